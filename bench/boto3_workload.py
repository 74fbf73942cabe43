#!/usr/bin/env python3
"""The eks-bench EKS workload through boto3, against the endpoint given as the first argument.

Before timing: a role trusting EKS, a role trusting Fargate pods, a VPC with two private subnets in
two zones (IAM and EC2 through boto3). Timed: create a cluster and describe it until ACTIVE; then
PROFILES times create, describe (until ACTIVE), list and delete a Fargate profile (EKS allows 10 per
cluster, so each is deleted in the loop); then delete the cluster. Prints one JSON line: requests,
seconds, requests per second, p50 and p99 latency in ms. Needs boto3; no retries, any error stops it.

usage: boto3_workload.py ENDPOINT_URL [PROFILES]
"""

import json
import sys
import time
import uuid

import boto3
from botocore.config import Config

REGION = "us-east-1"


def main():
    endpoint = sys.argv[1]
    profiles = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    suffix = uuid.uuid4().hex[:8]
    session = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION
    )
    config = Config(retries={"total_max_attempts": 1})
    iam = session.client("iam", endpoint_url=endpoint, config=config)
    ec2 = session.client("ec2", endpoint_url=endpoint, config=config)
    eks = session.client("eks", endpoint_url=endpoint, config=config)

    def role(name, service):
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
            ],
        }
        return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]

    cluster_role = role(f"boto3-cluster-{suffix}", "eks.amazonaws.com")
    pod_role = role(f"boto3-pods-{suffix}", "eks-fargate-pods.amazonaws.com")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for zone, cidr in [("us-east-1a", "10.0.0.0/18"), ("us-east-1b", "10.0.64.0/18")]
    ]

    latencies = []

    def timed(call, **kwargs):
        started = time.perf_counter()
        out = call(**kwargs)
        latencies.append(time.perf_counter() - started)
        return out

    def wait_active(call, field, **kwargs):
        for _ in range(1000):
            if timed(call, **kwargs)[field]["status"] == "ACTIVE":
                return
            time.sleep(0.001)
        raise SystemExit(f"{field} {kwargs} never became ACTIVE")

    cluster = f"boto3-{suffix}"
    started = time.perf_counter()
    timed(
        eks.create_cluster,
        name=cluster,
        roleArn=cluster_role,
        resourcesVpcConfig={"subnetIds": subnets},
    )
    wait_active(eks.describe_cluster, "cluster", name=cluster)
    for i in range(profiles):
        name = f"fp-{i}"
        timed(
            eks.create_fargate_profile,
            fargateProfileName=name,
            clusterName=cluster,
            podExecutionRoleArn=pod_role,
            subnets=subnets,
            selectors=[{"namespace": f"ns-{i}", "labels": {"app": "bench"}}],
        )
        wait_active(
            eks.describe_fargate_profile, "fargateProfile", clusterName=cluster, fargateProfileName=name
        )
        listed = timed(eks.list_fargate_profiles, clusterName=cluster)["fargateProfileNames"]
        if name not in listed:
            raise SystemExit(f"{name} is not listed: {listed}")
        timed(eks.delete_fargate_profile, clusterName=cluster, fargateProfileName=name)
    timed(eks.delete_cluster, name=cluster)
    seconds = time.perf_counter() - started

    latencies.sort()

    def percentile(p):
        rank = max(1, min(len(latencies), int(-(-p * len(latencies) // 100))))
        return latencies[rank - 1] * 1000

    print(
        json.dumps(
            {
                "requests": len(latencies),
                "seconds": seconds,
                "rps": len(latencies) / seconds,
                "p50_ms": percentile(50),
                "p99_ms": percentile(99),
            }
        )
    )


if __name__ == "__main__":
    main()
