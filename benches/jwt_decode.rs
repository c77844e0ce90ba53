//! Decoding a ~100 KB JWT for display: `oauth::jwt::decode`, and `flow::report::token_json`
//! (decode, time claims, JSON value) as `tokenbench decode` and the flow use it.

mod fixtures;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tokenbench::flow::report::token_json;
use tokenbench::oauth::jwt::decode;

fn decoding(c: &mut Criterion) {
    let token = fixtures::big_jwt(100 * 1024);
    let mut group = c.benchmark_group("decode_100KB_jwt");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Bytes(token.len() as u64));
    group.bench_function("jwt_decode", |b| b.iter(|| decode(black_box(&token))));
    group.bench_function("token_json", |b| {
        b.iter(|| token_json(black_box(&token), fixtures::NOW))
    });
    group.finish();
}

criterion_group!(benches, decoding);
criterion_main!(benches);
