//! EKS handlers: wire DTO in, model call under the world lock, wire DTO out. Thin by design; the
//! rules live in `model.rs`. API reference: <https://docs.aws.amazon.com/eks/latest/APIReference/>.

use axum::response::Response;

use super::dto::{
    ClusterDto, ClusterResponse, ClusterVersionDto, CreateClusterRequest,
    CreateFargateProfileRequest, CreateNodegroupRequest, DescribeClusterVersionsResponse, Empty,
    FargateProfileDto, FargateProfileResponse, ListClustersResponse, ListFargateProfilesResponse,
    ListNodegroupsResponse, ListUpdatesResponse, NodegroupDto, NodegroupResponse,
    TagResourceRequest, TagsResponse, UpdateDto, UpdateNodegroupConfigRequest, UpdateResponse,
};
use super::error::EksError;
use super::model::{validate_name, validate_tags, Cluster};
use super::versions;
use crate::directory::{self, Lookup};
use crate::state::{Emulator, Env, Region};
use crate::wire::error::AwsError;
use crate::wire::rest_json::{self, json_body, ok, paginate, query_param};
use crate::wire::RequestContext;

/// One request's inputs.
pub struct Req<'a> {
    pub emu: &'a Emulator,
    pub ctx: &'a RequestContext,
    pub query: &'a [(String, String)],
    pub body: &'a [u8],
}

type Result = std::result::Result<Response, AwsError>;

impl Req<'_> {
    fn env(&self, now: crate::clock::Timestamp) -> Env<'_> {
        Env {
            now,
            timing: self.emu.timing(),
            account: &self.ctx.account,
            region: &self.ctx.region,
        }
    }

    fn cluster_response(&self, cluster: &Cluster) -> Response {
        let endpoint = self.emu.kube_endpoint(&self.ctx.region, &cluster.name);
        ok(&ClusterResponse {
            cluster: ClusterDto::new(
                cluster,
                &self.ctx.region,
                endpoint,
                self.emu.ca().pem_base64(),
            ),
        })
    }
}

/// [CreateCluster](https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html)
pub fn create_cluster(req: &Req<'_>) -> Result {
    let input: CreateClusterRequest = json_body(req.body).map_err(bad_request)?;
    let new = input
        .into_new_cluster()
        .map_err(|parameter| EksError::MissingParameter { parameter })?;
    req.emu.with_world(|world, now| {
        let scope = world.scope(&req.ctx.account, &req.ctx.region);
        let eks = &mut scope.region.eks;
        let name = directory::create_cluster(
            &req.env(now),
            scope.ids,
            scope.iam,
            eks,
            &mut scope.region.ec2,
            scope.faults,
            new,
        )?;
        Ok(req.cluster_response(eks.cluster(&name)?))
    })
}

/// [DescribeCluster](https://docs.aws.amazon.com/eks/latest/APIReference/API_DescribeCluster.html)
pub fn describe_cluster(req: &Req<'_>, name: &str) -> Result {
    validate_name(name, "name")?;
    req.emu.with_world(|world, _| {
        let (_, region) = world.region(&req.ctx.account, &req.ctx.region);
        Ok(req.cluster_response(region.eks.cluster(name)?))
    })
}

/// [ListClusters](https://docs.aws.amazon.com/eks/latest/APIReference/API_ListClusters.html)
pub fn list_clusters(req: &Req<'_>) -> Result {
    let max = rest_json::max_results(req.query)?;
    req.emu.with_world(|world, _| {
        let (_, region) = world.region(&req.ctx.account, &req.ctx.region);
        let (clusters, next_token) = paginate(
            &region.eks.cluster_names(),
            query_param(req.query, "nextToken"),
            max,
        )?;
        Ok(ok(&ListClustersResponse {
            clusters,
            next_token,
        }))
    })
}

/// [DeleteCluster](https://docs.aws.amazon.com/eks/latest/APIReference/API_DeleteCluster.html)
pub fn delete_cluster(req: &Req<'_>, name: &str) -> Result {
    validate_name(name, "name")?;
    req.emu.with_world(|world, now| {
        let scope = world.scope(&req.ctx.account, &req.ctx.region);
        let cluster = scope
            .region
            .eks
            .delete_cluster(&req.env(now), scope.faults, name)?;
        Ok(req.cluster_response(cluster))
    })
}

/// [DescribeClusterVersions](https://docs.aws.amazon.com/eks/latest/APIReference/API_DescribeClusterVersions.html)
pub fn describe_cluster_versions(req: &Req<'_>) -> Result {
    let max = rest_json::max_results(req.query)?;
    let wanted: Vec<&str> = req
        .query
        .iter()
        .filter(|(k, _)| k == "clusterVersions")
        .map(|(_, v)| v.as_str())
        .collect();
    let default_only = query_param(req.query, "defaultOnly") == Some("true");
    let status =
        query_param(req.query, "versionStatus").or_else(|| query_param(req.query, "status"));
    let matching: Vec<String> = versions::VERSIONS
        .iter()
        .rev()
        .filter(|v| wanted.is_empty() || wanted.contains(&v.version))
        .filter(|v| !default_only || v.version == versions::DEFAULT_VERSION)
        .filter(|v| status.is_none_or(|s| s == v.status))
        .map(|v| v.version.to_owned())
        .collect();
    // Newest first, as EKS lists them; pagination walks that order by position.
    let positions: Vec<String> = (0..matching.len()).map(|i| format!("{i:04}")).collect();
    let (page, next_token) = paginate(&positions, query_param(req.query, "nextToken"), max)?;
    let cluster_versions = page
        .iter()
        .filter_map(|p| p.parse::<usize>().ok())
        .filter_map(|i| versions::find(&matching[i]))
        .map(|v| ClusterVersionDto::new(v, v.version == versions::DEFAULT_VERSION))
        .collect();
    Ok(ok(&DescribeClusterVersionsResponse {
        cluster_versions,
        next_token,
    }))
}

/// [TagResource](https://docs.aws.amazon.com/eks/latest/APIReference/API_TagResource.html)
pub fn tag_resource(req: &Req<'_>, arn: &str) -> Result {
    let input: TagResourceRequest = json_body(req.body).map_err(bad_request)?;
    req.emu.with_world(|world, _| {
        let (_, region) = world.region(&req.ctx.account, &req.ctx.region);
        let tags = region.eks.tags_mut(arn)?;
        let mut merged = tags.clone();
        merged.extend(input.tags);
        validate_tags(&merged)?;
        *tags = merged;
        Ok(ok(&Empty {}))
    })
}

/// [UntagResource](https://docs.aws.amazon.com/eks/latest/APIReference/API_UntagResource.html)
pub fn untag_resource(req: &Req<'_>, arn: &str) -> Result {
    let keys: Vec<&str> = req
        .query
        .iter()
        .filter(|(k, _)| k == "tagKeys")
        .map(|(_, v)| v.as_str())
        .collect();
    req.emu.with_world(|world, _| {
        let (_, region) = world.region(&req.ctx.account, &req.ctx.region);
        let tags = region.eks.tags_mut(arn)?;
        tags.retain(|k, _| !keys.contains(&k.as_str()));
        Ok(ok(&Empty {}))
    })
}

/// [ListTagsForResource](https://docs.aws.amazon.com/eks/latest/APIReference/API_ListTagsForResource.html)
pub fn list_tags_for_resource(req: &Req<'_>, arn: &str) -> Result {
    req.emu.with_world(|world, _| {
        let (_, region) = world.region(&req.ctx.account, &req.ctx.region);
        let tags = region.eks.tags_mut(arn)?.clone();
        Ok(ok(&TagsResponse { tags }))
    })
}

/// [CreateFargateProfile](https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateFargateProfile.html)
pub fn create_fargate_profile(req: &Req<'_>, cluster: &str) -> Result {
    let input: CreateFargateProfileRequest = json_body(req.body).map_err(bad_request)?;
    let new = input
        .into_new_profile()
        .map_err(|parameter| EksError::MissingParameter { parameter })?;
    req.emu.with_world(|world, now| {
        let scope = world.scope(&req.ctx.account, &req.ctx.region);
        let Region { eks, ec2, .. } = scope.region;
        ec2.ensure_default_vpc(scope.ids, &req.ctx.region);
        let directory = Lookup {
            iam: &*scope.iam,
            ec2: &*ec2,
        };
        let profile = eks.create_fargate_profile(
            &req.env(now),
            scope.ids,
            &directory,
            scope.faults,
            cluster,
            new,
        )?;
        Ok(profile_response(profile))
    })
}

/// [DescribeFargateProfile](https://docs.aws.amazon.com/eks/latest/APIReference/API_DescribeFargateProfile.html)
pub fn describe_fargate_profile(req: &Req<'_>, cluster: &str, name: &str) -> Result {
    validate_name(cluster, "clusterName")?;
    req.emu.with_world(|world, _| {
        let (_, region) = world.region(&req.ctx.account, &req.ctx.region);
        let profile = region.eks.cluster(cluster)?.fargate_profile(name)?;
        Ok(profile_response(profile))
    })
}

/// [ListFargateProfiles](https://docs.aws.amazon.com/eks/latest/APIReference/API_ListFargateProfiles.html)
pub fn list_fargate_profiles(req: &Req<'_>, cluster: &str) -> Result {
    validate_name(cluster, "clusterName")?;
    let max = rest_json::max_results(req.query)?;
    req.emu.with_world(|world, _| {
        let (_, region) = world.region(&req.ctx.account, &req.ctx.region);
        let names: Vec<String> = region
            .eks
            .cluster(cluster)?
            .fargate_profiles()
            .map(|p| p.name.clone())
            .collect();
        let (fargate_profile_names, next_token) =
            paginate(&names, query_param(req.query, "nextToken"), max)?;
        Ok(ok(&ListFargateProfilesResponse {
            fargate_profile_names,
            next_token,
        }))
    })
}

/// [DeleteFargateProfile](https://docs.aws.amazon.com/eks/latest/APIReference/API_DeleteFargateProfile.html)
pub fn delete_fargate_profile(req: &Req<'_>, cluster: &str, name: &str) -> Result {
    validate_name(cluster, "clusterName")?;
    req.emu.with_world(|world, now| {
        let scope = world.scope(&req.ctx.account, &req.ctx.region);
        let profile = scope
            .region
            .eks
            .cluster_mut(cluster)?
            .delete_fargate_profile(&req.env(now), scope.faults, name)?;
        Ok(profile_response(profile))
    })
}

fn profile_response(profile: &super::model::FargateProfile) -> Response {
    ok(&FargateProfileResponse {
        fargate_profile: FargateProfileDto::from(profile),
    })
}

/// [CreateNodegroup](https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateNodegroup.html)
pub fn create_nodegroup(req: &Req<'_>, cluster: &str) -> Result {
    let input: CreateNodegroupRequest = json_body(req.body).map_err(bad_request)?;
    let new = input
        .into_new_nodegroup()
        .map_err(|parameter| EksError::MissingParameter { parameter })?;
    req.emu.with_world(|world, now| {
        let scope = world.scope(&req.ctx.account, &req.ctx.region);
        let Region { eks, ec2, .. } = scope.region;
        ec2.ensure_default_vpc(scope.ids, &req.ctx.region);
        let directory = Lookup {
            iam: &*scope.iam,
            ec2: &*ec2,
        };
        let nodegroup = eks.create_nodegroup(
            &req.env(now),
            scope.ids,
            &directory,
            scope.faults,
            cluster,
            new,
        )?;
        Ok(nodegroup_response(nodegroup))
    })
}

/// [DescribeNodegroup](https://docs.aws.amazon.com/eks/latest/APIReference/API_DescribeNodegroup.html)
pub fn describe_nodegroup(req: &Req<'_>, cluster: &str, name: &str) -> Result {
    validate_name(cluster, "clusterName")?;
    req.emu.with_world(|world, _| {
        let (_, region) = world.region(&req.ctx.account, &req.ctx.region);
        Ok(nodegroup_response(
            region.eks.cluster(cluster)?.nodegroup(name)?,
        ))
    })
}

/// [ListNodegroups](https://docs.aws.amazon.com/eks/latest/APIReference/API_ListNodegroups.html)
pub fn list_nodegroups(req: &Req<'_>, cluster: &str) -> Result {
    validate_name(cluster, "clusterName")?;
    let max = rest_json::max_results(req.query)?;
    req.emu.with_world(|world, _| {
        let (_, region) = world.region(&req.ctx.account, &req.ctx.region);
        let names: Vec<String> = region
            .eks
            .cluster(cluster)?
            .nodegroups()
            .map(|n| n.name.clone())
            .collect();
        let (nodegroups, next_token) = paginate(&names, query_param(req.query, "nextToken"), max)?;
        Ok(ok(&ListNodegroupsResponse {
            nodegroups,
            next_token,
        }))
    })
}

/// [DeleteNodegroup](https://docs.aws.amazon.com/eks/latest/APIReference/API_DeleteNodegroup.html)
pub fn delete_nodegroup(req: &Req<'_>, cluster: &str, name: &str) -> Result {
    validate_name(cluster, "clusterName")?;
    req.emu.with_world(|world, now| {
        let scope = world.scope(&req.ctx.account, &req.ctx.region);
        let nodegroup = scope.region.eks.cluster_mut(cluster)?.delete_nodegroup(
            &req.env(now),
            scope.faults,
            name,
        )?;
        Ok(nodegroup_response(nodegroup))
    })
}

fn nodegroup_response(nodegroup: &super::model::Nodegroup) -> Response {
    ok(&NodegroupResponse {
        nodegroup: NodegroupDto::from(nodegroup),
    })
}

/// [UpdateNodegroupConfig](https://docs.aws.amazon.com/eks/latest/APIReference/API_UpdateNodegroupConfig.html)
pub fn update_nodegroup_config(req: &Req<'_>, cluster: &str, name: &str) -> Result {
    validate_name(cluster, "clusterName")?;
    let input: UpdateNodegroupConfigRequest = json_body(req.body).map_err(bad_request)?;
    let change = input.into_change();
    req.emu.with_world(|world, now| {
        let (ids, region) = world.region(&req.ctx.account, &req.ctx.region);
        let update = region.eks.cluster_mut(cluster)?.update_nodegroup_config(
            &req.env(now),
            ids,
            name,
            &change,
        )?;
        Ok(ok(&UpdateResponse {
            update: UpdateDto::from(update),
        }))
    })
}

/// [DescribeUpdate](https://docs.aws.amazon.com/eks/latest/APIReference/API_DescribeUpdate.html)
pub fn describe_update(req: &Req<'_>, cluster: &str, id: &str) -> Result {
    validate_name(cluster, "clusterName")?;
    let nodegroup = query_param(req.query, "nodegroupName");
    req.emu.with_world(|world, _| {
        let (_, region) = world.region(&req.ctx.account, &req.ctx.region);
        let update = region.eks.cluster(cluster)?.update(nodegroup, id)?;
        Ok(ok(&UpdateResponse {
            update: UpdateDto::from(update),
        }))
    })
}

/// [ListUpdates](https://docs.aws.amazon.com/eks/latest/APIReference/API_ListUpdates.html)
pub fn list_updates(req: &Req<'_>, cluster: &str) -> Result {
    validate_name(cluster, "clusterName")?;
    let max = rest_json::max_results(req.query)?;
    let nodegroup = query_param(req.query, "nodegroupName");
    req.emu.with_world(|world, _| {
        let (_, region) = world.region(&req.ctx.account, &req.ctx.region);
        let ids = region.eks.cluster(cluster)?.update_ids(nodegroup)?;
        let (update_ids, next_token) = paginate(&ids, query_param(req.query, "nextToken"), max)?;
        Ok(ok(&ListUpdatesResponse {
            update_ids,
            next_token,
        }))
    })
}

fn bad_request(err: AwsError) -> EksError {
    EksError::BadRequest {
        detail: err.message,
    }
}
