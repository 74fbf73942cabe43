//! Fargate profile selector matching (placeholder until its issue lands).
