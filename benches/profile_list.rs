//! Listing a profiles directory of 1,000 and 10,000 profiles (`profile::catalog::list`:
//! read, parse and validate each). Target: < 50 ms for 1,000. Under `cargo test` only the
//! 1,000 case runs, once.

mod fixtures;

use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use tokenbench::profile::catalog::list;

/// `n` profiles like the shipped ones, a few of them invalid (as a real directory may be).
fn populate(dir: &Path, n: usize) {
    for i in 0..n {
        let text = if i % 100 == 99 {
            format!("name = \"Broken {i}\"\nauth_url = \"not a url\"\n")
        } else {
            format!(
                "# Profile {i}\nname = \"IdP {i}\"\nissuer = \"https://idp{i}.example\"\ngrant_type = \"authorization_code\"\ncallback_url = \"http://127.0.0.1:8765/callback\"\nauth_url = \"https://idp{i}.example/authorize\"\ntoken_url = \"https://idp{i}.example/token\"\nclient_id = \"client-{i}\"\ncode_challenge_method = \"S256\"\nscope = \"openid profile email offline_access\"\n\n[auth_params]\nprompt = \"consent\"\n"
            )
        };
        std::fs::write(dir.join(format!("profile-{i:05}.toml")), text).expect("write profile");
    }
}

fn listing(c: &mut Criterion) {
    let sizes: &[usize] = if fixtures::benchmarking() {
        &[1_000, 10_000]
    } else {
        &[1_000]
    };
    let mut group = c.benchmark_group("profiles_list");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for &n in sizes {
        let dir = tempfile::tempdir().expect("temp dir");
        populate(dir.path(), n);
        let dirs = vec![dir.path().to_owned()];
        assert_eq!(list(&dirs).len(), n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &dirs, |b, dirs| {
            b.iter(|| list(dirs))
        });
    }
    group.finish();
}

criterion_group!(benches, listing);
criterion_main!(benches);
