//! The name of the operation a request calls, as AWS names it (`CreateFargateProfile`,
//! `DescribeStacks`): from the method and path for restJson1 (EKS's route table, from its service
//! model), from `Action` for the query protocols. Fault injection and logs use it; routing does not.

use axum::http::Method;

use super::query::QueryRequest;
use super::rest_json::segments;
use super::Service;

/// What [`operation_name`] answers for a request that matches no operation of its service.
pub const UNKNOWN_OPERATION: &str = "Unknown";

/// Every EKS operation [`eks_operation`] can name.
pub const EKS_OPERATIONS: &[&str] = &[
    "CreateCluster",
    "ListClusters",
    "DescribeCluster",
    "DeleteCluster",
    "UpdateClusterConfig",
    "UpdateClusterVersion",
    "ListUpdates",
    "DescribeUpdate",
    "CreateFargateProfile",
    "ListFargateProfiles",
    "DescribeFargateProfile",
    "DeleteFargateProfile",
    "CreateNodegroup",
    "ListNodegroups",
    "DescribeNodegroup",
    "DeleteNodegroup",
    "UpdateNodegroupConfig",
    "UpdateNodegroupVersion",
    "CreateAddon",
    "ListAddons",
    "DescribeAddon",
    "DeleteAddon",
    "UpdateAddon",
    "DescribeAddonVersions",
    "CreateAccessEntry",
    "ListAccessEntries",
    "DescribeAccessEntry",
    "DeleteAccessEntry",
    "DescribeClusterVersions",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
];

/// The EKS operation at `method` `path` (restJson1 routes of API version 2017-11-01).
#[must_use]
pub fn eks_operation(method: &Method, path: &str) -> Option<&'static str> {
    let segs = segments(path);
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let op = match (method.as_str(), segs.as_slice()) {
        ("POST", ["clusters"]) => "CreateCluster",
        ("GET", ["clusters"]) => "ListClusters",
        ("GET", ["clusters", _]) => "DescribeCluster",
        ("DELETE", ["clusters", _]) => "DeleteCluster",
        ("POST", ["clusters", _, "update-config"]) => "UpdateClusterConfig",
        ("POST", ["clusters", _, "updates"]) => "UpdateClusterVersion",
        ("GET", ["clusters", _, "updates"]) => "ListUpdates",
        ("GET", ["clusters", _, "updates", _]) => "DescribeUpdate",
        ("POST", ["clusters", _, "fargate-profiles"]) => "CreateFargateProfile",
        ("GET", ["clusters", _, "fargate-profiles"]) => "ListFargateProfiles",
        ("GET", ["clusters", _, "fargate-profiles", _]) => "DescribeFargateProfile",
        ("DELETE", ["clusters", _, "fargate-profiles", _]) => "DeleteFargateProfile",
        ("POST", ["clusters", _, "node-groups"]) => "CreateNodegroup",
        ("GET", ["clusters", _, "node-groups"]) => "ListNodegroups",
        ("GET", ["clusters", _, "node-groups", _]) => "DescribeNodegroup",
        ("DELETE", ["clusters", _, "node-groups", _]) => "DeleteNodegroup",
        ("POST", ["clusters", _, "node-groups", _, "update-config"]) => "UpdateNodegroupConfig",
        ("POST", ["clusters", _, "node-groups", _, "update-version"]) => "UpdateNodegroupVersion",
        ("POST", ["clusters", _, "addons"]) => "CreateAddon",
        ("GET", ["clusters", _, "addons"]) => "ListAddons",
        ("GET", ["clusters", _, "addons", _]) => "DescribeAddon",
        ("DELETE", ["clusters", _, "addons", _]) => "DeleteAddon",
        ("POST", ["clusters", _, "addons", _, "update"]) => "UpdateAddon",
        ("GET", ["addons", "supported-versions"]) => "DescribeAddonVersions",
        ("POST", ["clusters", _, "access-entries"]) => "CreateAccessEntry",
        ("GET", ["clusters", _, "access-entries"]) => "ListAccessEntries",
        ("GET", ["clusters", _, "access-entries", _]) => "DescribeAccessEntry",
        ("DELETE", ["clusters", _, "access-entries", _]) => "DeleteAccessEntry",
        ("GET", ["cluster-versions"]) => "DescribeClusterVersions",
        ("POST", ["tags", _]) => "TagResource",
        ("DELETE", ["tags", _]) => "UntagResource",
        ("GET", ["tags", _]) => "ListTagsForResource",
        _ => return None,
    };
    Some(op)
}

/// The operation a request calls: EKS's from its route, the query services' from `Action`
/// ([`UNKNOWN_OPERATION`] when there is none).
#[must_use]
pub fn operation_name(
    service: Service,
    method: &Method,
    path: &str,
    query: Option<&QueryRequest>,
) -> String {
    match service {
        Service::Eks => eks_operation(method, path)
            .unwrap_or(UNKNOWN_OPERATION)
            .to_owned(),
        _ => match query.map(|q| q.action.as_str()) {
            Some(action) if !action.is_empty() => action.to_owned(),
            _ => UNKNOWN_OPERATION.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eks_routes_name_their_operations() {
        let cases = [
            ("POST", "/clusters", "CreateCluster"),
            ("GET", "/clusters/c1", "DescribeCluster"),
            (
                "POST",
                "/clusters/c1/fargate-profiles",
                "CreateFargateProfile",
            ),
            (
                "DELETE",
                "/clusters/c%201/fargate-profiles/fp%2Fx",
                "DeleteFargateProfile",
            ),
            (
                "GET",
                "/tags/arn%3Aaws%3Aeks%3Aus-west-2%3A1%3Acluster%2Fc1",
                "ListTagsForResource",
            ),
            (
                "POST",
                "/clusters/c1/node-groups/ng/update-config",
                "UpdateNodegroupConfig",
            ),
        ];
        for (method, path, op) in cases {
            let method: Method = method.parse().unwrap();
            assert_eq!(eks_operation(&method, path), Some(op), "{method} {path}");
            assert!(EKS_OPERATIONS.contains(&op));
        }
        assert_eq!(eks_operation(&Method::PUT, "/clusters"), None);
        assert_eq!(
            operation_name(Service::Eks, &Method::GET, "/nope", None),
            UNKNOWN_OPERATION
        );
    }

    #[test]
    fn query_operations_are_their_action() {
        let req = QueryRequest::from_form(b"Action=DescribeStacks&Version=2010-05-15");
        assert_eq!(
            operation_name(Service::CloudFormation, &Method::POST, "/", Some(&req)),
            "DescribeStacks"
        );
        assert_eq!(
            operation_name(
                Service::Sts,
                &Method::POST,
                "/",
                Some(&QueryRequest::default())
            ),
            UNKNOWN_OPERATION
        );
    }
}
