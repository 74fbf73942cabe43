//! IAM wire conformance through aws-sdk-iam: every role, policy, tag and instance-profile operation's
//! success path, and each error's code, HTTP status and message, as real IAM sends them.

mod support;

use aws_sdk_iam::config::http::HttpResponse;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_iam::types::Tag;
use support::{TestEmulator, ACCOUNT};

const EKS_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const FARGATE_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks-fargate-pods.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const CLUSTER_POLICY: &str = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy";
const INLINE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

/// (HTTP status, code, message) of a failed call.
fn failure<E: ProvideErrorMetadata>(err: SdkError<E, HttpResponse>) -> (u16, String, String) {
    let status = err.raw_response().map_or(0, |r| r.status().as_u16());
    let code = err.code().unwrap_or_default().to_owned();
    let message = err.message().unwrap_or_default().to_owned();
    (status, code, message)
}

fn expect(actual: (u16, String, String), status: u16, code: &str, message: &str) {
    assert_eq!(actual, (status, code.to_owned(), message.to_owned()));
}

/// The URL encoding real IAM applies to policy documents.
fn url_encoded(document: &str) -> String {
    document
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn iam(emu: &TestEmulator, region: &str) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::new(&emu.sdk_config(region).await)
}

#[tokio::test]
async fn a_role_is_created_read_listed_updated_and_deleted() {
    let emu = TestEmulator::start().await;
    let iam = iam(&emu, "us-east-1").await;
    let created = iam
        .create_role()
        .role_name("eks-cluster")
        .path("/eks/")
        .assume_role_policy_document(EKS_TRUST)
        .description("cluster role")
        .tags(
            Tag::builder()
                .key("team")
                .value("platform")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("CreateRole")
        .role
        .unwrap();
    assert_eq!(
        created.arn(),
        format!("arn:aws:iam::{ACCOUNT}:role/eks/eks-cluster")
    );
    assert_eq!(created.path(), "/eks/");
    assert!(created.role_id().starts_with("AROA") && created.role_id().len() == 21);
    assert_eq!(
        created.create_date().to_string(),
        "2026-01-01T00:00:00Z",
        "CreateDate comes from the manual clock"
    );
    assert_eq!(
        created.assume_role_policy_document(),
        Some(url_encoded(EKS_TRUST).as_str()),
        "IAM returns trust policies URL-encoded"
    );
    assert_eq!(created.max_session_duration(), Some(3600));

    let got = iam
        .get_role()
        .role_name("eks-cluster")
        .send()
        .await
        .unwrap();
    let role = got.role.unwrap();
    assert_eq!(role.description(), Some("cluster role"));
    assert_eq!(role.tags().len(), 1);

    iam.create_role()
        .role_name("pods")
        .assume_role_policy_document(FARGATE_TRUST)
        .send()
        .await
        .unwrap();
    let listed = iam.list_roles().send().await.unwrap();
    let names: Vec<&str> = listed.roles().iter().map(|r| r.role_name()).collect();
    assert_eq!(names, ["eks-cluster", "pods"]);
    assert!(!listed.is_truncated());
    let page = iam.list_roles().max_items(1).send().await.unwrap();
    assert!(page.is_truncated());
    let next = iam
        .list_roles()
        .marker(page.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(next.roles()[0].role_name(), "pods");
    let under_eks = iam.list_roles().path_prefix("/eks/").send().await.unwrap();
    assert_eq!(under_eks.roles().len(), 1);

    iam.update_assume_role_policy()
        .role_name("eks-cluster")
        .policy_document(FARGATE_TRUST)
        .send()
        .await
        .unwrap();
    let role = iam
        .get_role()
        .role_name("eks-cluster")
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    assert_eq!(
        role.assume_role_policy_document(),
        Some(url_encoded(FARGATE_TRUST).as_str())
    );

    iam.delete_role()
        .role_name("eks-cluster")
        .send()
        .await
        .unwrap();
    expect(
        failure(
            iam.get_role()
                .role_name("eks-cluster")
                .send()
                .await
                .unwrap_err(),
        ),
        404,
        "NoSuchEntity",
        "The role with name eks-cluster cannot be found.",
    );
}

#[tokio::test]
async fn iam_is_global_across_the_regions_of_an_account() {
    let emu = TestEmulator::start().await;
    iam(&emu, "us-east-1")
        .await
        .create_role()
        .role_name("global")
        .assume_role_policy_document(EKS_TRUST)
        .send()
        .await
        .unwrap();
    let elsewhere = iam(&emu, "ap-northeast-1").await;
    let role = elsewhere
        .get_role()
        .role_name("global")
        .send()
        .await
        .unwrap();
    assert_eq!(role.role.unwrap().role_name(), "global");
}

#[tokio::test]
async fn managed_and_inline_policies_attach_list_and_detach() {
    let emu = TestEmulator::start().await;
    let iam = iam(&emu, "us-east-1").await;
    iam.create_role()
        .role_name("r")
        .assume_role_policy_document(EKS_TRUST)
        .send()
        .await
        .unwrap();
    for arn in [
        CLUSTER_POLICY,
        "arn:aws:iam::aws:policy/AmazonEKSVPCResourceController",
    ] {
        iam.attach_role_policy()
            .role_name("r")
            .policy_arn(arn)
            .send()
            .await
            .unwrap();
    }
    let attached = iam
        .list_attached_role_policies()
        .role_name("r")
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = attached
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_name())
        .collect();
    assert_eq!(
        names,
        ["AmazonEKSClusterPolicy", "AmazonEKSVPCResourceController"]
    );
    let policy = iam
        .get_policy()
        .policy_arn(CLUSTER_POLICY)
        .send()
        .await
        .unwrap()
        .policy
        .unwrap();
    assert_eq!(policy.attachment_count(), Some(1));
    assert!(policy.policy_id().unwrap().starts_with("ANPA"));

    iam.put_role_policy()
        .role_name("r")
        .policy_name("read")
        .policy_document(INLINE)
        .send()
        .await
        .unwrap();
    let inline = iam
        .get_role_policy()
        .role_name("r")
        .policy_name("read")
        .send()
        .await
        .unwrap();
    assert_eq!(inline.policy_document(), url_encoded(INLINE));
    let names = iam
        .list_role_policies()
        .role_name("r")
        .send()
        .await
        .unwrap();
    assert_eq!(names.policy_names(), ["read"]);

    expect(
        failure(iam.delete_role().role_name("r").send().await.unwrap_err()),
        409,
        "DeleteConflict",
        "Cannot delete entity, must detach all policies first.",
    );
    for arn in [
        CLUSTER_POLICY,
        "arn:aws:iam::aws:policy/AmazonEKSVPCResourceController",
    ] {
        iam.detach_role_policy()
            .role_name("r")
            .policy_arn(arn)
            .send()
            .await
            .unwrap();
    }
    expect(
        failure(iam.delete_role().role_name("r").send().await.unwrap_err()),
        409,
        "DeleteConflict",
        "Cannot delete entity, must delete policies first.",
    );
    iam.delete_role_policy()
        .role_name("r")
        .policy_name("read")
        .send()
        .await
        .unwrap();
    expect(
        failure(
            iam.get_role_policy()
                .role_name("r")
                .policy_name("read")
                .send()
                .await
                .unwrap_err(),
        ),
        404,
        "NoSuchEntity",
        "The role policy with name read cannot be found.",
    );
    iam.delete_role().role_name("r").send().await.unwrap();
}

#[tokio::test]
async fn tags_are_set_listed_and_removed() {
    let emu = TestEmulator::start().await;
    let iam = iam(&emu, "us-east-1").await;
    iam.create_role()
        .role_name("r")
        .assume_role_policy_document(EKS_TRUST)
        .send()
        .await
        .unwrap();
    let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build().unwrap();
    iam.tag_role()
        .role_name("r")
        .tags(tag("env", "dev"))
        .tags(tag("team", "a"))
        .send()
        .await
        .unwrap();
    iam.untag_role()
        .role_name("r")
        .tag_keys("env")
        .send()
        .await
        .unwrap();
    let tags = iam.list_role_tags().role_name("r").send().await.unwrap();
    let pairs: Vec<(&str, &str)> = tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(pairs, [("team", "a")]);
    expect(
        failure(
            iam.tag_role()
                .role_name("r")
                .tags(tag("x", "1"))
                .tags(tag("X", "2"))
                .send()
                .await
                .unwrap_err(),
        ),
        400,
        "InvalidInput",
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    );
    expect(
        failure(
            iam.untag_role()
                .role_name("nobody")
                .tag_keys("x")
                .send()
                .await
                .unwrap_err(),
        ),
        404,
        "NoSuchEntity",
        "The role with name nobody cannot be found.",
    );
}

#[tokio::test]
async fn instance_profiles_hold_one_role_and_block_its_deletion() {
    let emu = TestEmulator::start().await;
    let iam = iam(&emu, "us-east-1").await;
    iam.create_role()
        .role_name("node")
        .assume_role_policy_document(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .unwrap();
    let profile = iam
        .create_instance_profile()
        .instance_profile_name("node-profile")
        .send()
        .await
        .unwrap()
        .instance_profile
        .unwrap();
    assert_eq!(
        profile.arn(),
        format!("arn:aws:iam::{ACCOUNT}:instance-profile/node-profile")
    );
    assert!(profile.instance_profile_id().starts_with("AIPA"));
    expect(
        failure(
            iam.create_instance_profile()
                .instance_profile_name("node-profile")
                .send()
                .await
                .unwrap_err(),
        ),
        409,
        "EntityAlreadyExists",
        "Instance Profile node-profile already exists.",
    );
    iam.add_role_to_instance_profile()
        .instance_profile_name("node-profile")
        .role_name("node")
        .send()
        .await
        .unwrap();
    let got = iam
        .get_instance_profile()
        .instance_profile_name("node-profile")
        .send()
        .await
        .unwrap()
        .instance_profile
        .unwrap();
    assert_eq!(got.roles()[0].role_name(), "node");
    let for_role = iam
        .list_instance_profiles_for_role()
        .role_name("node")
        .send()
        .await
        .unwrap();
    assert_eq!(for_role.instance_profiles().len(), 1);
    expect(
        failure(
            iam.add_role_to_instance_profile()
                .instance_profile_name("node-profile")
                .role_name("node")
                .send()
                .await
                .unwrap_err(),
        ),
        409,
        "LimitExceeded",
        "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1",
    );
    let in_use = (
        409,
        "DeleteConflict",
        "Cannot delete entity, must remove roles from instance profile first.",
    );
    let err = failure(
        iam.delete_role()
            .role_name("node")
            .send()
            .await
            .unwrap_err(),
    );
    expect(err, in_use.0, in_use.1, in_use.2);
    let err = failure(
        iam.delete_instance_profile()
            .instance_profile_name("node-profile")
            .send()
            .await
            .unwrap_err(),
    );
    expect(err, in_use.0, in_use.1, in_use.2);
    iam.remove_role_from_instance_profile()
        .instance_profile_name("node-profile")
        .role_name("node")
        .send()
        .await
        .unwrap();
    iam.delete_instance_profile()
        .instance_profile_name("node-profile")
        .send()
        .await
        .unwrap();
    expect(
        failure(
            iam.get_instance_profile()
                .instance_profile_name("node-profile")
                .send()
                .await
                .unwrap_err(),
        ),
        404,
        "NoSuchEntity",
        "Instance Profile node-profile cannot be found.",
    );
    iam.delete_role().role_name("node").send().await.unwrap();
}

#[tokio::test]
async fn each_iam_error_has_its_code_status_and_message() {
    let emu = TestEmulator::start().await;
    let iam = iam(&emu, "us-east-1").await;
    iam.create_role()
        .role_name("Taken")
        .assume_role_policy_document(EKS_TRUST)
        .send()
        .await
        .unwrap();
    let create = |name: &str, document: &str| {
        iam.create_role()
            .role_name(name)
            .assume_role_policy_document(document)
            .send()
    };
    expect(
        failure(create("taken", EKS_TRUST).await.unwrap_err()),
        409,
        "EntityAlreadyExists",
        "Role with name taken already exists.",
    );
    expect(
        failure(create("bad", "{not json").await.unwrap_err()),
        400,
        "MalformedPolicyDocument",
        "This policy contains invalid Json",
    );
    expect(
        failure(create("bad", r#"{"Statement":"x"}"#).await.unwrap_err()),
        400,
        "MalformedPolicyDocument",
        "Syntax errors in policy.",
    );
    expect(
        failure(
            create(
                "bad",
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}]}"#,
            )
            .await
            .unwrap_err(),
        ),
        400,
        "MalformedPolicyDocument",
        "Has prohibited field Resource",
    );
    expect(
        failure(create("bad name", EKS_TRUST).await.unwrap_err()),
        400,
        "ValidationError",
        "1 validation error detected: Value 'bad name' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    );
    expect(
        failure(
            iam.attach_role_policy()
                .role_name("Taken")
                .policy_arn("arn:aws:iam::aws:policy/NoSuchPolicy")
                .send()
                .await
                .unwrap_err(),
        ),
        404,
        "NoSuchEntity",
        "Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable.",
    );
    expect(
        failure(
            iam.attach_role_policy()
                .role_name("Taken")
                .policy_arn("AmazonEKSClusterPolicy")
                .send()
                .await
                .unwrap_err(),
        ),
        400,
        "InvalidInput",
        "ARN AmazonEKSClusterPolicy is not valid.",
    );
    expect(
        failure(
            iam.detach_role_policy()
                .role_name("Taken")
                .policy_arn(CLUSTER_POLICY)
                .send()
                .await
                .unwrap_err(),
        ),
        404,
        "NoSuchEntity",
        &format!("Policy {CLUSTER_POLICY} was not found."),
    );
    expect(
        failure(
            iam.put_role_policy()
                .role_name("Taken")
                .policy_name("p")
                .policy_document(EKS_TRUST)
                .send()
                .await
                .unwrap_err(),
        ),
        400,
        "MalformedPolicyDocument",
        "Policy document should not specify a principal.",
    );
    expect(
        failure(
            iam.update_assume_role_policy()
                .role_name("Taken")
                .policy_document("[]")
                .send()
                .await
                .unwrap_err(),
        ),
        400,
        "MalformedPolicyDocument",
        "Syntax errors in policy.",
    );
    expect(
        failure(
            iam.attach_role_policy()
                .role_name("nobody")
                .policy_arn(CLUSTER_POLICY)
                .send()
                .await
                .unwrap_err(),
        ),
        404,
        "NoSuchEntity",
        "The role with name nobody cannot be found.",
    );
    expect(
        failure(
            iam.add_role_to_instance_profile()
                .instance_profile_name("nowhere")
                .role_name("Taken")
                .send()
                .await
                .unwrap_err(),
        ),
        404,
        "NoSuchEntity",
        "Instance Profile nowhere cannot be found.",
    );
}
