//! EKS wire conformance through aws-sdk-eks: every cluster operation's success path and each error's
//! code, HTTP status and message, on a manual clock.

mod support;

use support::TestEmulator;

#[tokio::test]
async fn support_starts_an_emulator_the_sdk_can_reach() {
    let emu = TestEmulator::start().await;
    let eks = aws_sdk_eks::Client::new(&emu.sdk_config("us-east-1").await);
    let listed = eks
        .list_clusters()
        .send()
        .await
        .expect("ListClusters answers");
    assert!(listed.clusters().is_empty());
}
