//! `create`, `get`, `delete` and `update cluster`.
//!
//! `create`, `delete` and `update cluster` are built on CloudFormation the way eksctl 0.11 is
//! (reference/eksctl.md §1, §3, §5) and print the seed page's lines. After the stacks, `create`
//! goes through the cluster's Kubernetes API ([`crate::kube`]): self-managed nodegroups' roles into
//! `aws-auth`, waiting for every nodegroup's nodes, then (after the Fargate profiles) coredns onto
//! Fargate.

use std::collections::BTreeMap;

use super::fargate::{create_profiles, list_profile_names, wait_for_deletion};
use super::{check_auth, check_config_file, connect, flag_and_arg, load_config, name_arg, Caller};
use crate::aws::{code, describe, Aws};
use crate::cfn::{self, templates, Stacks, FARGATE_ROLE_OUTPUT};
use crate::cli::{
    format_duration, CreateClusterArgs, DeleteClusterArgs, GetClusterArgs, GlobalArgs,
    UpdateClusterArgs,
};
use crate::config::{self, ClusterConfig, ClusterMeta, NodeGroup};
use crate::kube::{coredns, nodes, Kube};
use crate::kubeconfig::{self, ClusterAccess};
use crate::output::{
    render_cluster_details, render_cluster_summaries, ClusterDetail, ClusterSummary, Format,
    Output, VpcView,
};
use crate::{names, Context, Error, ExitStatus};

/// The regions `get cluster --all-regions` visits (eksctl's `SupportedRegions`; ekscli does not
/// call EC2 `DescribeRegions`).
pub const SUPPORTED_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "eu-central-1",
    "eu-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-south-1",
    "ap-east-1",
    "me-south-1",
    "sa-east-1",
    "af-south-1",
];

/// The zones `create cluster` picks from when none are given (ekscli does not call EC2
/// `DescribeAvailabilityZones`): the first three of a region's zone letters, in order.
#[must_use]
pub fn default_zones(region: &str) -> Vec<String> {
    let letters: &[&str] = match region {
        "ap-northeast-1" => &["a", "c", "d"],
        "us-west-1" => &["a", "c"],
        "us-east-1" => &["a", "b", "c", "d", "f"],
        "ap-northeast-2" => &["a", "b", "c", "d"],
        "sa-east-1" => &["a", "b", "c"],
        _ => &["a", "b", "c"],
    };
    letters
        .iter()
        .take(3)
        .map(|l| format!("{region}{l}"))
        .collect()
}

/// `create cluster`.
///
/// # Errors
/// eksctl's messages.
#[allow(clippy::too_many_lines)]
pub async fn create(
    ctx: &Context,
    g: &GlobalArgs,
    args: &CreateClusterArgs,
    out: &mut Output<'_>,
) -> Result<ExitStatus, Error> {
    let Some(arg) = name_arg(out, &args.names) else {
        return Ok(ExitStatus::Failure);
    };
    let mut config = if let Some(file) = &args.config_file {
        let config = load_config(ctx, file)?;
        check_config_file(
            &config,
            &[
                ("fargate", args.fargate),
                ("managed", args.managed.is_some()),
                ("name", args.name.is_some()),
                ("nodegroup-name", args.nodegroup_name.is_some()),
                ("node-type", args.node_type.is_some()),
                ("nodes", args.nodes.is_some()),
                ("nodes-max", args.nodes_max.is_some()),
                ("nodes-min", args.nodes_min.is_some()),
                ("region", g.region.is_some()),
                ("tags", args.tags.is_some()),
                ("version", args.version.is_some()),
                ("without-nodegroup", args.without_nodegroup),
                ("zones", args.zones.is_some()),
            ],
        )?;
        if arg.is_some() {
            return Err("cannot use name argument when --config-file/-f is set".into());
        }
        config
    } else {
        config_from_flags(ctx, g, args, arg)?
    };
    config::validate_cluster(&config)?;
    let notes = config::set_cluster_defaults(&mut config);

    let aws = connect(ctx, g, Some(config.region())).await;
    if let Some(meta) = config.metadata.as_mut() {
        meta.region = Some(aws.region.clone());
    }
    let caller = check_auth(&aws).await?;
    let cluster = config.name().to_owned();
    let region = aws.region.clone();
    let version = config
        .metadata
        .as_ref()
        .and_then(|m| m.version.clone())
        .unwrap_or_default();

    out.info(format!("ekscli version {}", env!("CARGO_PKG_VERSION")));
    out.info(format!("using region {region}"));
    let zones = match config.availability_zones.clone().filter(|z| !z.is_empty()) {
        Some(zones) => zones,
        None => {
            let zones = default_zones(&region);
            out.info(format!(
                "setting availability zones to [{}]",
                zones.join(" ")
            ));
            config.availability_zones = Some(zones.clone());
            zones
        }
    };
    let vpc_cidr = config
        .vpc
        .as_ref()
        .and_then(|v| v.cidr.clone())
        .unwrap_or_else(|| config::DEFAULT_VPC_CIDR.into());
    for zs in templates::split_subnets(&vpc_cidr, &zones)? {
        out.info(format!(
            "subnets for {} - public:{} private:{}",
            zs.zone, zs.public, zs.private
        ));
    }
    let all_groups: Vec<(NodeGroup, bool)> = config
        .node_groups()
        .iter()
        .map(|ng| (ng.clone(), false))
        .chain(
            config
                .managed_node_groups()
                .iter()
                .map(|ng| (ng.clone(), true)),
        )
        .collect();
    for (ng, managed) in &all_groups {
        let ami = if *managed {
            // EKS picks a managed nodegroup's AMI; eksctl prints nothing for it.
            ng.ami.clone().unwrap_or_default()
        } else {
            unmanaged_ami(&aws, ng, &version, out).await
        };
        out.info(format!(
            "nodegroup {:?} will use {:?} [{}/{version}]",
            ng.name.as_deref().unwrap_or_default(),
            ami,
            ng.ami_family.as_deref().unwrap_or_default()
        ));
    }
    out.info(format!("using Kubernetes version {version}"));
    out.info(format!("creating {}", config.log_string()));
    let unmanaged: Vec<NodeGroup> = config.node_groups().to_vec();
    let managed: Vec<NodeGroup> = config.managed_node_groups().to_vec();
    let all_ng_names: Vec<String> = unmanaged
        .iter()
        .chain(&managed)
        .map(|n| n.name.clone().unwrap_or_default())
        .collect();
    if !all_ng_names.is_empty() {
        out.info(if all_ng_names.len() == 1 {
            format!(
                "1 nodegroup ({}) was included (based on the include/exclude rules)",
                all_ng_names[0]
            )
        } else {
            format!(
                "{} nodegroups ({}) were included (based on the include/exclude rules)",
                all_ng_names.len(),
                all_ng_names.join(", ")
            )
        });
    }
    out.info(format!(
        "will create a CloudFormation stack for cluster itself and {} nodegroup stack(s)",
        unmanaged.len()
    ));
    out.info(format!(
        "will create a CloudFormation stack for cluster itself and {} managed nodegroup stack(s)",
        managed.len()
    ));
    out.info(format!(
        "if you encounter any issues, check CloudFormation console or try 'ekscli utils describe-stacks --region={region} --cluster={cluster}'"
    ));
    out.info(format!(
        "CloudWatch logging will not be enabled for cluster {cluster:?} in {region:?}"
    ));
    let endpoints = config
        .vpc
        .as_ref()
        .and_then(|v| v.cluster_endpoints.clone())
        .unwrap_or_default();
    out.info(format!(
        "Kubernetes API endpoint access will use default of {{publicAccess={}, privateAccess={}}} for cluster {cluster:?} in {region:?}",
        endpoints.public_access.unwrap_or(true),
        endpoints.private_access.unwrap_or(false)
    ));
    out.info(describe_tasks(&cluster, &unmanaged, &managed));

    // The cluster stack.
    let stacks = Stacks::new(&aws, &cluster);
    let cluster_stack = cfn::cluster_stack_name(&cluster);
    out.info(format!("building cluster stack {cluster_stack:?}"));
    let template = templates::cluster_stack(&config, &zones, &caller.account)?;
    let mut tags: BTreeMap<String, String> = config
        .metadata
        .as_ref()
        .and_then(|m| m.tags.clone())
        .unwrap_or_default();
    tags.insert(
        "alpha.eksctl.io/cluster-oidc-enabled".into(),
        "false".into(),
    );
    stacks.create(out, &cluster_stack, &template, &tags).await?;
    let stack = stacks
        .wait(out, &ctx.sleeper, g.timeout, &cluster_stack, false)
        .await?
        .unwrap_or_default();

    // What nodes and the kubeconfig need from the control plane.
    let control_plane = describe_control_plane(&aws, &cluster).await?;
    let bootstrap = templates::NodeBootstrap {
        endpoint: control_plane.endpoint().unwrap_or_default().to_owned(),
        certificate_authority: control_plane
            .certificate_authority()
            .and_then(|c| c.data())
            .unwrap_or_default()
            .to_owned(),
        service_cidr: control_plane
            .kubernetes_network_config()
            .and_then(|k| k.service_ipv4_cidr())
            .unwrap_or("10.100.0.0/16")
            .to_owned(),
    };

    // Nodegroup stacks, one after the other.
    let mut node_roles = Vec::new();
    for (ng, is_managed) in unmanaged
        .iter()
        .map(|n| (n, false))
        .chain(managed.iter().map(|n| (n, true)))
    {
        let ng_name = ng.name.clone().unwrap_or_default();
        let name = cfn::nodegroup_stack_name(&cluster, &ng_name);
        if is_managed {
            out.info(format!("building managed nodegroup stack {name:?}"));
        } else {
            out.info(format!("building nodegroup stack {name:?}"));
        }
        for note in notes.iter().filter(|n| n.ends_with(&format!(" {ng_name}"))) {
            out.info(note);
        }
        let template = if is_managed {
            templates::managed_nodegroup_stack(&config, ng)
        } else {
            templates::nodegroup_stack(&config, ng, Some(&bootstrap))
        };
        let mut ng_tags = BTreeMap::new();
        ng_tags.insert("alpha.eksctl.io/nodegroup-name".into(), ng_name.clone());
        ng_tags.insert(
            "alpha.eksctl.io/nodegroup-type".into(),
            if is_managed { "managed" } else { "unmanaged" }.into(),
        );
        stacks.create(out, &name, &template, &ng_tags).await?;
        let ng_stack = stacks
            .wait(out, &ctx.sleeper, g.timeout, &name, false)
            .await?
            .unwrap_or_default();
        if !is_managed {
            let role = ng_stack
                .outputs
                .get(INSTANCE_ROLE_OUTPUT)
                .cloned()
                .ok_or_else(|| {
                    Error::new(format!(
                        "no output {INSTANCE_ROLE_OUTPUT:?} in stack {name:?}"
                    ))
                })?;
            node_roles.push(role);
        }
    }
    out.success(format!(
        "all EKS cluster resources for {cluster:?} have been created"
    ));

    // The kubeconfig.
    let write = args.write_kubeconfig.unwrap_or(true);
    let mut kubeconfig_path = None;
    if write {
        let path = write_kubeconfig_for(
            ctx,
            &aws,
            &caller,
            &control_plane,
            &args.kubeconfig,
            &cluster,
        )?;
        out.success(format!(
            "saved kubeconfig as {:?}",
            path.display().to_string()
        ));
        kubeconfig_path = Some(path);
    }

    // Self-managed nodes are let in through aws-auth; every nodegroup's nodes are waited for.
    let mut kube = None;
    if !unmanaged.is_empty() || !managed.is_empty() {
        let client = Kube::connect(ctx, &aws, &control_plane).await?;
        for (ng, role) in unmanaged.iter().zip(&node_roles) {
            nodes::add_nodegroup_role(&client, role, out).await?;
            wait_for_nodegroup(ctx, g, &client, ng, out).await?;
        }
        for ng in &managed {
            wait_for_nodegroup(ctx, g, &client, ng, out).await?;
        }
        kube = Some(client);
    }

    // Fargate profiles, one at a time, each waited to ACTIVE; then coredns onto Fargate.
    let mut profiles = config.profiles().to_vec();
    if !profiles.is_empty() {
        let role = config
            .fargate_role_arn()
            .map(str::to_owned)
            .or_else(|| stack.outputs.get(FARGATE_ROLE_OUTPUT).cloned())
            .ok_or_else(|| {
                Error::new(format!(
                    "no output {FARGATE_ROLE_OUTPUT:?} in stack {cluster_stack:?}"
                ))
            })?;
        for p in &mut profiles {
            if p.pod_execution_role_arn
                .as_deref()
                .is_none_or(str::is_empty)
            {
                p.pod_execution_role_arn = Some(role.clone());
            }
        }
        create_profiles(&aws, out, &ctx.sleeper, g.timeout, &cluster, &profiles)
            .await
            .map_err(|e| e.wrap("failed to create Fargate profiles"))?;
        let kube = async {
            match kube {
                Some(client) => Ok(client),
                None => Kube::connect(ctx, &aws, &control_plane).await,
            }
        };
        coredns::schedule_if_relevant(&profiles, kube, out, &ctx.sleeper, g.timeout)
            .await
            .map_err(|e| e.wrap("failed to schedule core-dns on fargate"))?;
    }
    if let Some(path) = kubeconfig_path {
        out.info(format!(
            "kubectl command should work with {:?}, try 'kubectl get nodes'",
            path.display().to_string()
        ));
    }
    out.success(format!(
        "EKS cluster {cluster:?} in {region:?} region is ready"
    ));
    Ok(ExitStatus::Success)
}

/// The output of a self-managed nodegroup stack naming its instance role.
const INSTANCE_ROLE_OUTPUT: &str = "InstanceRoleARN";

/// eksctl's `WaitForNodes` for one nodegroup: at least its `minSize` nodes Ready.
/// The AMI of an unmanaged nodegroup: its `ami` when it names one, else (`auto`, `auto-ssm` or
/// nothing) the EKS-optimised AMI of its family from SSM's public parameters, as eksctl resolves it.
/// A failed lookup is a warning and an empty AMI: the nodegroup stack resolves the parameter itself.
async fn unmanaged_ami(aws: &Aws, ng: &NodeGroup, version: &str, out: &mut Output<'_>) -> String {
    match ng.ami.as_deref() {
        Some(ami) if !matches!(ami, "" | "auto" | "auto-ssm") => return ami.to_owned(),
        _ => {}
    }
    let parameter = templates::ami_parameter(ng, version);
    match crate::ssm::get_parameter(aws, &parameter).await {
        Ok(ami) => ami,
        Err(e) => {
            out.warning(format!(
                "could not look up the AMI for nodegroup {:?} in SSM parameter {parameter:?}: {e}",
                ng.name.as_deref().unwrap_or_default()
            ));
            String::new()
        }
    }
}

async fn wait_for_nodegroup(
    ctx: &Context,
    g: &GlobalArgs,
    kube: &Kube,
    ng: &NodeGroup,
    out: &mut Output<'_>,
) -> Result<(), Error> {
    let min = ng.min_size.or(ng.desired_capacity).unwrap_or_default();
    nodes::wait_for_nodes(
        kube,
        ng.name.as_deref().unwrap_or_default(),
        usize::try_from(min).unwrap_or_default(),
        out,
        &ctx.sleeper,
        g.timeout,
    )
    .await
}

/// `DescribeCluster` after the stacks are up.
async fn describe_control_plane(
    aws: &Aws,
    cluster: &str,
) -> Result<aws_sdk_eks::types::Cluster, Error> {
    Ok(aws
        .eks
        .describe_cluster()
        .name(cluster)
        .send()
        .await
        .map_err(|e| {
            Error::new(format!(
                "unable to describe cluster control plane: {}",
                describe(&e)
            ))
        })?
        .cluster
        .unwrap_or_else(|| aws_sdk_eks::types::Cluster::builder().build()))
}

/// The config `create cluster` builds from flags alone.
fn config_from_flags(
    ctx: &Context,
    g: &GlobalArgs,
    args: &CreateClusterArgs,
    arg: Option<String>,
) -> Result<ClusterConfig, Error> {
    if let (Some(flag), Some(arg)) = (&args.name, &arg) {
        return Err(flag_and_arg("name", flag, arg));
    }
    let mut rng = ctx.rng();
    let name = args
        .name
        .clone()
        .or(arg)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| names::cluster_name(&mut rng, ctx.now().timestamp()));
    let mut config = ClusterConfig {
        metadata: Some(ClusterMeta {
            name: Some(name),
            region: g.region.clone(),
            version: args.version.clone(),
            tags: args
                .tags
                .clone()
                .map(|t| t.0.into_iter().collect())
                .filter(|t: &BTreeMap<String, String>| !t.is_empty()),
            ..ClusterMeta::default()
        }),
        availability_zones: args.zones.clone(),
        ..ClusterConfig::default()
    };
    if args.fargate {
        config.fargate_profiles = Some(vec![config::default_fargate_profile()]);
    }
    // HEAD: `--fargate` without an explicit `--managed` means no nodegroup at all.
    let wants_nodegroup = !(args.without_nodegroup || (args.fargate && args.managed.is_none()));
    if wants_nodegroup {
        let nodes = args.nodes.unwrap_or(config::DEFAULT_NODE_COUNT);
        let ng = NodeGroup {
            name: Some(
                args.nodegroup_name
                    .clone()
                    .unwrap_or_else(|| names::nodegroup_name(&mut rng)),
            ),
            instance_type: args.node_type.clone(),
            desired_capacity: Some(nodes),
            min_size: args.nodes_min,
            max_size: args.nodes_max,
            ..NodeGroup::default()
        };
        if args.managed.unwrap_or(true) {
            config.managed_node_groups = Some(vec![ng]);
        } else {
            config.node_groups = Some(vec![ng]);
        }
    }
    Ok(config)
}

/// eksctl's task-tree line: `2 sequential tasks: { create cluster control plane "C", create
/// nodegroup "ng-1" }`.
fn describe_tasks(cluster: &str, unmanaged: &[NodeGroup], managed: &[NodeGroup]) -> String {
    let control_plane = format!("create cluster control plane {cluster:?}");
    let ng_tasks: Vec<String> = unmanaged
        .iter()
        .map(|n| {
            format!(
                "create nodegroup {:?}",
                n.name.as_deref().unwrap_or_default()
            )
        })
        .chain(managed.iter().map(|n| {
            format!(
                "create managed nodegroup {:?}",
                n.name.as_deref().unwrap_or_default()
            )
        }))
        .collect();
    match ng_tasks.len() {
        0 => format!("1 task: {{ {control_plane} }}"),
        1 => format!("2 sequential tasks: {{ {control_plane}, {} }}", ng_tasks[0]),
        n => format!(
            "2 sequential tasks: {{ {control_plane}, {n} parallel sub-tasks: {{ {} }} }}",
            ng_tasks.join(", ")
        ),
    }
}

/// Writes the kubeconfig for an ACTIVE cluster and returns its path.
pub fn write_kubeconfig_for(
    ctx: &Context,
    aws: &Aws,
    caller: &Caller,
    cluster: &aws_sdk_eks::types::Cluster,
    flags: &crate::cli::KubeconfigArgs,
    name: &str,
) -> Result<std::path::PathBuf, Error> {
    let endpoint = cluster.endpoint().unwrap_or_default();
    let ca = cluster
        .certificate_authority()
        .and_then(|c| c.data())
        .unwrap_or_default();
    if endpoint.is_empty() || ca.is_empty() {
        return Err(Error::new(format!(
            "cannot perform Kubernetes API operations on cluster {name:?} in {:?} region due to status {:?}",
            aws.region,
            cluster.status().map(|s| s.as_str()).unwrap_or_default()
        )));
    }
    let path = kubeconfig::resolve_path(
        flags.kubeconfig.as_deref(),
        flags.auto_kubeconfig,
        name,
        ctx.var("KUBECONFIG"),
        ctx.home().as_deref(),
    )?;
    let access = ClusterAccess {
        cluster: name.to_owned(),
        region: aws.region.clone(),
        endpoint: endpoint.to_owned(),
        ca_data: ca.to_owned(),
        caller_arn: caller.arn.clone(),
        profile: aws.profile.clone(),
        role_arn: flags.authenticator_role_arn.clone(),
    };
    kubeconfig::write(&path, &access, flags.set_kubeconfig_context.unwrap_or(true))
        .map_err(|e| Error::new(e).wrap("writing kubeconfig"))?;
    Ok(path)
}

/// `get cluster`.
///
/// # Errors
/// eksctl's messages.
pub async fn get(
    ctx: &Context,
    g: &GlobalArgs,
    args: &GetClusterArgs,
    out: &mut Output<'_>,
) -> Result<ExitStatus, Error> {
    let Some(arg) = name_arg(out, &args.names) else {
        return Ok(ExitStatus::Failure);
    };
    let format = Format::parse(&args.output)?;
    if format != Format::Table {
        out.logs_to_stderr();
    }
    if args.all_regions {
        if let Some(region) = &g.region {
            out.warning(format!(
                "--region={region} is ignored, as --all-regions is given"
            ));
        }
    }
    if let (Some(flag), Some(arg)) = (&args.name, &arg) {
        return Err(flag_and_arg("name", flag, arg));
    }
    let name = args.name.clone().or(arg).unwrap_or_default();
    if !name.is_empty() && args.all_regions {
        return Err(
            "--all-regions is for listing all clusters, it must be used without cluster name flag/argument"
                .into(),
        );
    }
    let aws = connect(ctx, g, None).await;
    check_auth(&aws).await?;
    if !name.is_empty() {
        let cluster = aws
            .eks
            .describe_cluster()
            .name(&name)
            .send()
            .await
            .map_err(|e| {
                Error::new(format!(
                    "unable to describe control plane {name:?}: {}",
                    describe(&e)
                ))
            })?
            .cluster
            .unwrap_or_else(|| aws_sdk_eks::types::Cluster::builder().build());
        out.data(&render_cluster_details(&[detail(&cluster)], format))
            .map_err(|e| Error::new(e.to_string()))?;
        return Ok(ExitStatus::Success);
    }
    let mut summaries = Vec::new();
    if args.all_regions {
        for region in SUPPORTED_REGIONS {
            let regional = connect(ctx, g, Some(region)).await;
            match list_clusters(&regional, args.chunk_size).await {
                Ok(mut found) => summaries.append(&mut found),
                Err(e) => out.critical(format!("error listing clusters in {region:?} region: {e}")),
            }
        }
    } else {
        summaries = list_clusters(&aws, args.chunk_size).await?;
    }
    out.data(&render_cluster_summaries(&summaries, format))
        .map_err(|e| Error::new(e.to_string()))?;
    Ok(ExitStatus::Success)
}

/// eksctl's `listClusters`: every cluster, each marked by whether an eksctl cluster stack exists.
async fn list_clusters(aws: &Aws, chunk_size: i32) -> Result<Vec<ClusterSummary>, Error> {
    let stack_names = all_stack_names(aws).await.map_err(|e| {
        e.wrap(format!(
            "failed to list cluster stacks in region {:?}",
            aws.region
        ))
    })?;
    let mut summaries = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut request = aws
            .eks
            .list_clusters()
            .include("all")
            .set_next_token(token.clone());
        if chunk_size > 0 {
            request = request.max_results(chunk_size);
        }
        let page = request.send().await.map_err(|e| {
            Error::new(format!(
                "failed to list clusters in region {:?}: {}",
                aws.region,
                describe(&e)
            ))
        })?;
        for name in page.clusters() {
            let owned = stack_names.contains(&cfn::cluster_stack_name(name));
            summaries.push(ClusterSummary {
                name: name.clone(),
                region: aws.region.clone(),
                owned: if owned { "True" } else { "False" }.into(),
            });
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(summaries);
        }
    }
}

/// The names of every live stack in the region.
async fn all_stack_names(aws: &Aws) -> Result<Vec<String>, Error> {
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = aws
            .cfn
            .list_stacks()
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| Error::new(describe(&e)))?;
        for s in page.stack_summaries() {
            let deleted = s
                .stack_status()
                .is_some_and(|st| st.as_str() == "DELETE_COMPLETE");
            if let (Some(name), false) = (s.stack_name(), deleted) {
                names.push(name.to_owned());
            }
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(names);
        }
    }
}

fn detail(c: &aws_sdk_eks::types::Cluster) -> ClusterDetail {
    let vpc = c.resources_vpc_config();
    ClusterDetail {
        arn: c.arn().unwrap_or_default().to_owned(),
        created_at: c
            .created_at()
            .and_then(|t| {
                aws_smithy_types::DateTime::from_secs(t.secs())
                    .fmt(aws_smithy_types::date_time::Format::DateTime)
                    .ok()
            })
            .unwrap_or_default(),
        endpoint: c.endpoint().unwrap_or_default().to_owned(),
        name: c.name().unwrap_or_default().to_owned(),
        platform_version: c.platform_version().unwrap_or_default().to_owned(),
        resources_vpc_config: VpcView {
            cluster_security_group_id: vpc
                .and_then(|v| v.cluster_security_group_id())
                .unwrap_or_default()
                .to_owned(),
            endpoint_private_access: vpc.is_some_and(|v| v.endpoint_private_access()),
            endpoint_public_access: vpc.is_some_and(|v| v.endpoint_public_access()),
            security_group_ids: vpc
                .map(|v| v.security_group_ids().to_vec())
                .unwrap_or_default(),
            subnet_ids: vpc.map(|v| v.subnet_ids().to_vec()).unwrap_or_default(),
            vpc_id: vpc.and_then(|v| v.vpc_id()).unwrap_or_default().to_owned(),
        },
        role_arn: c.role_arn().unwrap_or_default().to_owned(),
        status: c
            .status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        tags: c
            .tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        version: c.version().unwrap_or_default().to_owned(),
        provider: c
            .connector_config()
            .and_then(|cc| cc.provider())
            .unwrap_or("EKS")
            .to_owned(),
    }
}

/// The cluster name of `delete`/`update cluster`: `-f`, `--name` or the argument.
fn cluster_name_and_region(
    ctx: &Context,
    g: &GlobalArgs,
    file: Option<&str>,
    name: Option<&String>,
    arg: Option<String>,
) -> Result<(String, Option<String>), Error> {
    if let Some(file) = file {
        let config = load_config(ctx, file)?;
        check_config_file(
            &config,
            &[("name", name.is_some()), ("region", g.region.is_some())],
        )?;
        if arg.is_some() {
            return Err("cannot use name argument when --config-file/-f is set".into());
        }
        return Ok((config.name().to_owned(), Some(config.region().to_owned())));
    }
    if let (Some(flag), Some(arg)) = (name, &arg) {
        return Err(flag_and_arg("name", flag, arg));
    }
    let name = name.cloned().or(arg).unwrap_or_default();
    if name.is_empty() {
        return Err("--name must be set".into());
    }
    Ok((name, g.region.clone()))
}

/// `delete cluster`: the profiles one at a time (each waited until gone), the cluster's entries
/// in the kubeconfig, then the nodegroup stacks, the `-fargate` stack and the cluster stack; a
/// cluster without a stack is deleted through EKS directly.
///
/// # Errors
/// eksctl's messages.
pub async fn delete(
    ctx: &Context,
    g: &GlobalArgs,
    args: &DeleteClusterArgs,
    out: &mut Output<'_>,
) -> Result<ExitStatus, Error> {
    let Some(arg) = name_arg(out, &args.names) else {
        return Ok(ExitStatus::Failure);
    };
    let (cluster, region) =
        cluster_name_and_region(ctx, g, args.config_file.as_deref(), args.name.as_ref(), arg)?;
    let aws = connect(ctx, g, region.as_deref()).await;
    check_auth(&aws).await?;
    out.info(format!("deleting EKS cluster {cluster:?}"));

    // Fargate profiles, sequentially, each waited.
    match list_profile_names(&aws, &cluster).await {
        Ok(names) => {
            for name in &names {
                out.info(format!("deleting Fargate profile {name:?}"));
                aws.eks
                    .delete_fargate_profile()
                    .cluster_name(&cluster)
                    .fargate_profile_name(name)
                    .send()
                    .await
                    .map_err(|e| {
                        Error::new(format!(
                            "failed to delete Fargate profile {name:?}: {}",
                            describe(&e)
                        ))
                    })?;
                wait_for_deletion(ctx, &aws, g.timeout, &cluster, name).await?;
                out.info(format!("deleted Fargate profile {name:?}"));
            }
            out.info(format!("deleted {} Fargate profile(s)", names.len()));
        }
        Err(e) if e.message().starts_with("AccessDenied") => out.info(format!(
            "either account is not authorized to use Fargate or region {} is not supported. Ignoring error",
            aws.region
        )),
        Err(e) if e.message().starts_with("ResourceNotFoundException") => {}
        Err(e) => return Err(e.wrap("failed to get Fargate profile(s)")),
    }

    match kubeconfig::forget_cluster(
        &cluster,
        &aws.region,
        ctx.var("KUBECONFIG"),
        ctx.home().as_deref(),
    ) {
        kubeconfig::Forgotten::Updated => out.success("kubeconfig has been updated"),
        kubeconfig::Forgotten::Nothing(Some(reason)) => out.debug(reason),
        _ => {}
    }

    let stacks = Stacks::new(&aws, &cluster);
    let all = stacks.describe_all().await?;
    let cluster_stack = all.iter().find(|s| s.name.ends_with("-cluster")).cloned();
    let nodegroups: Vec<_> = all
        .iter()
        .filter(|s| s.name.contains("-nodegroup-"))
        .cloned()
        .collect();
    for ng in &nodegroups {
        stacks.delete(out, ng).await?;
    }
    for ng in &nodegroups {
        stacks
            .wait(out, &ctx.sleeper, g.timeout, &ng.name, true)
            .await?;
    }
    if let Some(fargate) = all.iter().find(|s| s.name.ends_with("-fargate")) {
        stacks.delete(out, fargate).await?;
    }
    match cluster_stack {
        Some(stack) => {
            stacks.delete(out, &stack).await?;
            if args.wait {
                stacks
                    .wait(out, &ctx.sleeper, g.timeout, &stack.name, true)
                    .await?;
            }
        }
        None => {
            aws.eks
                .delete_cluster()
                .name(&cluster)
                .send()
                .await
                .map_err(|e| Error::new(describe(&e)))?;
            if args.wait {
                wait_cluster_gone(ctx, &aws, g, &cluster).await?;
            }
        }
    }
    out.success("all cluster resources were deleted");
    Ok(ExitStatus::Success)
}

async fn wait_cluster_gone(
    ctx: &Context,
    aws: &Aws,
    g: &GlobalArgs,
    cluster: &str,
) -> Result<(), Error> {
    let mut backoff = crate::wait::Backoff::new(g.timeout);
    loop {
        match aws.eks.describe_cluster().name(cluster).send().await {
            Err(e) if code(&e) == Some("ResourceNotFoundException") => return Ok(()),
            Err(e) => return Err(Error::new(describe(&e))),
            Ok(_) => {}
        }
        if !backoff.wait(&ctx.sleeper).await {
            return Err(Error::new(format!(
                "timed out waiting for cluster {cluster:?} to be deleted after {}",
                format_duration(g.timeout)
            )));
        }
    }
}

/// `update cluster`: appends the `FargatePodExecutionRole` resource and output to a cluster stack
/// made before Fargate support (eksctl 0.11's `AppendNewClusterStackResource`). Without
/// `--approve` it only says what it would do.
///
/// # Errors
/// eksctl's messages.
pub async fn update(
    ctx: &Context,
    g: &GlobalArgs,
    args: &UpdateClusterArgs,
    out: &mut Output<'_>,
) -> Result<ExitStatus, Error> {
    let Some(arg) = name_arg(out, &args.names) else {
        return Ok(ExitStatus::Failure);
    };
    let (cluster, region) =
        cluster_name_and_region(ctx, g, args.config_file.as_deref(), args.name.as_ref(), arg)?;
    let aws = connect(ctx, g, region.as_deref()).await;
    let caller = check_auth(&aws).await?;
    super::existing_cluster(&aws, &cluster).await?;
    let stacks = Stacks::new(&aws, &cluster);
    let Some(stack) = stacks.cluster_stack().await? else {
        return Err(Error::new(format!(
            "no eksctl-managed CloudFormation stacks found for {cluster:?}"
        )));
    };
    if stack.outputs.contains_key(FARGATE_ROLE_OUTPUT) {
        out.info(format!(
            "cluster stack {:?} already has the Fargate pod execution role; no changes needed",
            stack.name
        ));
        return Ok(ExitStatus::Success);
    }
    let mut template = stacks.template(&stack.name).await?;
    template["Resources"]["FargatePodExecutionRole"] =
        templates::fargate_role(&aws.region, &caller.account, &cluster, None);
    if template.get("Outputs").is_none_or(|o| !o.is_object()) {
        template["Outputs"] = serde_json::json!({});
    }
    template["Outputs"][FARGATE_ROLE_OUTPUT] = templates::fargate_role_output();
    if template
        .get("Mappings")
        .and_then(|m| m.get("ServicePrincipalPartitionMap"))
        .is_none()
    {
        let fresh =
            templates::fargate_stack(&ClusterConfig::default(), &aws.region, &caller.account);
        template["Mappings"]["ServicePrincipalPartitionMap"] =
            fresh["Mappings"]["ServicePrincipalPartitionMap"].clone();
    }
    if !args.approve {
        out.info(format!(
            "(plan) would add resource \"FargatePodExecutionRole\" and output {FARGATE_ROLE_OUTPUT:?} to stack {:?}",
            stack.name
        ));
        out.warning("no changes were applied, run again with '--approve' to apply the changes");
        return Ok(ExitStatus::Success);
    }
    out.info(format!("re-building cluster stack {:?}", stack.name));
    stacks.update(&stack.name, &template).await?;
    stacks
        .wait(out, &ctx.sleeper, g.timeout, &stack.name, false)
        .await?;
    out.success(format!(
        "cluster stack {:?} now has the Fargate pod execution role",
        stack.name
    ));
    Ok(ExitStatus::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_per_region() {
        assert_eq!(
            default_zones("ap-northeast-1"),
            ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]
        );
        assert_eq!(
            default_zones("eu-west-1"),
            ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
        );
    }

    #[test]
    fn task_lines() {
        let ng = |n: &str| NodeGroup {
            name: Some(n.into()),
            ..NodeGroup::default()
        };
        assert_eq!(
            describe_tasks("c", &[ng("ng-1")], &[]),
            "2 sequential tasks: { create cluster control plane \"c\", create nodegroup \"ng-1\" }"
        );
        assert_eq!(
            describe_tasks("c", &[], &[]),
            "1 task: { create cluster control plane \"c\" }"
        );
    }
}
