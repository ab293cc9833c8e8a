//! The HTTP API under write load (issue 18 item 6): `WRITERS` clients post edits to one
//! document as fast as the node answers, while one client reads `GET /api/v1/status` and one
//! reads the document, each every 100 ms. Prints latency percentiles per kind of request.
//!
//! ```sh
//! cargo bench -p twinmesh-node --bench apiload                 # 200 writers, 10 s
//! cargo bench -p twinmesh-node --bench apiload -- 50 5         # 50 writers, 5 s
//! ```

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    thread,
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use twinmesh_node::{Config, DataDir, Engine, Node};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

/// One request; returns the status and the parsed body.
fn call(agent: &ureq::Agent, method: &str, url: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let req = ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/json");
    let resp = match body {
        Some(b) => agent.run(req.body(b.to_string()).expect("request")),
        None => agent.run(req.body(()).expect("request")),
    };
    match resp {
        Ok(mut r) => {
            let status = r.status().as_u16();
            let text = r.body_mut().read_to_string().unwrap_or_default();
            (status, serde_json::from_str(&text).unwrap_or(Value::Null))
        }
        Err(e) => (0, json!(e.to_string())),
    }
}

fn report(what: &str, mut ms: Vec<f64>) {
    if ms.is_empty() {
        println!("{what:<22} no requests finished");
        return;
    }
    ms.sort_by(f64::total_cmp);
    let p = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    println!(
        "{what:<22} n={:<6} p50={:>8.1} ms  p90={:>8.1} ms  p99={:>8.1} ms  max={:>8.1} ms",
        ms.len(),
        p(0.5),
        p(0.9),
        p(0.99),
        ms[ms.len() - 1]
    );
}

/// Runs `f` every `every` until `stop`, collecting how long each call took (ms).
fn sample(
    stop: Arc<AtomicBool>,
    every: Duration,
    f: impl Fn() -> bool + Send + 'static,
) -> thread::JoinHandle<Vec<f64>> {
    thread::spawn(move || {
        let mut out = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let t = Instant::now();
            assert!(f(), "request failed");
            out.push(t.elapsed().as_secs_f64() * 1e3);
            thread::sleep(every);
        }
        out
    })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let writers: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(200);
    let secs: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = DataDir::new(tmp.path());
    drop(Engine::init(&dir, "Saint-Pol-sur-Ternoise", "FR", false).expect("init"));
    let mut config = Config::new(dir);
    config.api = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    let node = rt.block_on(Node::spawn(config)).expect("spawn");
    let base = format!("http://{}/api/v1", node.api_addr().expect("api"));
    let token = std::fs::read_to_string(tmp.path().join("api.token")).expect("token").trim().to_string();
    let a = agent();
    let (_, space) = call(&a, "POST", &format!("{base}/spaces"), &token, Some(json!({"name": "Bench"})));
    let space = space["id"].as_str().expect("space id").to_string();
    let (_, doc) = call(
        &a,
        "POST",
        &format!("{base}/docs"),
        &token,
        Some(json!({"space": space, "kind": "plan", "title": "Load"})),
    );
    let doc = doc["id"].as_str().expect("doc id").to_string();

    println!(
        "{writers} writers for {secs} s on {} CPUs",
        thread::available_parallelism().map_or(0, |n| n.get())
    );
    let stop = Arc::new(AtomicBool::new(false));
    let writer_threads: Vec<_> = (0..writers)
        .map(|i| {
            let (stop, base, token, doc) = (stop.clone(), base.clone(), token.clone(), doc.clone());
            thread::spawn(move || {
                let a = agent();
                let mut out = Vec::new();
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let body =
                        json!({"edits": [{"op": "set", "path": "acronym", "value": format!("W{i}-{n}")}]});
                    let t = Instant::now();
                    let (s, v) = call(&a, "POST", &format!("{base}/docs/{doc}/edits"), &token, Some(body));
                    assert_eq!(s, 200, "write failed: {v}");
                    out.push(t.elapsed().as_secs_f64() * 1e3);
                    n += 1;
                }
                out
            })
        })
        .collect();
    // Let the writers fill the queue before measuring reads.
    thread::sleep(Duration::from_secs(1));
    let every = Duration::from_millis(100);
    let status = sample(stop.clone(), every, {
        let (a, url, token) = (agent(), format!("{base}/status"), token.clone());
        move || call(&a, "GET", &url, &token, None).0 == 200
    });
    let show = sample(stop.clone(), every, {
        let (a, url, token) = (agent(), format!("{base}/docs/{doc}"), token.clone());
        move || call(&a, "GET", &url, &token, None).0 == 200
    });
    thread::sleep(Duration::from_secs(secs));
    stop.store(true, Ordering::Relaxed);
    let writes: Vec<f64> = writer_threads.into_iter().flat_map(|t| t.join().expect("writer")).collect();
    let writes_per_sec = writes.len() as f64 / (secs + 1) as f64;
    report("GET /status", status.join().expect("status sampler"));
    report("GET /docs/DOC", show.join().expect("show sampler"));
    report("POST /docs/DOC/edits", writes);
    println!("writes/s               {writes_per_sec:.0}");
    rt.block_on(node.shutdown());
}
