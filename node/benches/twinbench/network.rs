//! Scenario 9, `network` (issue 17): a network of towns in one space, as a twinning network
//! of 5 to 30 towns would run it. 30 nodes (10 with `--quick`) in this process, 10 plans;
//! every town dials the founder and the town before it (a connected graph, not a complete
//! one: partners find the rest). Measured: a burst of concurrent edits from every town until
//! every town holds the same heads of every plan, then single edits one at a time, each
//! timed until it has reached every town, and the sync bytes of both.
//!
//! The catch-up timer (30 s) plays no part in the single edits' times: each must arrive by
//! announcement, and a figure near 30 s would show that one did not.

use super::*;

/// Waits until every node holds exactly `want` as the heads of `doc` (node by node, with
/// [`wait_heads`]); the time until the last one did.
async fn reach_all(nodes: &[Node], doc: DocId, want: &[ChangeHash], timeout: Duration) -> Option<Duration> {
    let t0 = Instant::now();
    for n in nodes {
        wait_heads(n.handle(), doc, want, timeout.saturating_sub(t0.elapsed())).await?;
    }
    Some(t0.elapsed())
}

/// Polls until every node holds the same heads of every document in `docs`.
async fn all_converged(nodes: &[Node], docs: &[DocId], timeout: Duration) -> Option<Duration> {
    let t0 = Instant::now();
    let deadline = t0 + timeout;
    'again: loop {
        if Instant::now() > deadline {
            return None;
        }
        for &doc in docs {
            let first = heads(nodes[0].handle(), doc).await;
            for n in &nodes[1..] {
                if heads(n.handle(), doc).await != first {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue 'again;
                }
            }
        }
        return Some(t0.elapsed());
    }
}

/// One signed edit of `doc` at `node`; the change's hash.
async fn edit(node: &NodeHandle, doc: DocId, value: String) -> Option<ChangeHash> {
    let r = node
        .request(Envelope {
            officer: None,
            request: Request::DocEdit {
                doc,
                edits: vec![EditSpec::Set { path: "acronym".into(), value }],
                message: None,
                lang: None,
            },
        })
        .await
        .ok()?;
    r["change"].as_str()?.parse().ok()
}

pub(super) async fn scenario_network(ctx: &mut Ctx) {
    let (n_nodes, n_docs, burst, singles) = if ctx.quick { (10, 5, 100, 20) } else { (30, 10, 200, 40) };
    println!(
        "[9] network: {n_nodes} towns in one space, {n_docs} plans, a burst of {burst} edits, then {singles} single edits"
    );
    let t = Instant::now();
    let (f, mut e) = found("Town 0");
    let mut dirs = vec![];
    for i in 1..n_nodes {
        dirs.push(add_partner(&mut e, &f.space, &format!("Town {i}")).0);
    }
    let mut docs = vec![f.doc];
    for d in 1..n_docs {
        docs.push(e.create_doc(&f.space, DocKind::Plan, &format!("Plan {d}"), Some("M. Dupont")).unwrap().id);
    }
    drop(e);
    let mut nodes = vec![spawn(f.dir.path()).await];
    for d in &dirs {
        nodes.push(spawn(d.path()).await);
    }
    let mut addrs = Vec::new();
    for n in &nodes {
        addrs.push(addr_of(n).await);
    }
    for i in 1..n_nodes {
        req(nodes[i].handle(), Request::Dial { addr: addrs[0].clone() }).await;
        if i > 1 {
            req(nodes[i].handle(), Request::Dial { addr: addrs[i - 1].clone() }).await;
        }
    }
    if all_converged(&nodes, &docs, Duration::from_secs(300)).await.is_none() {
        println!("      TIMEOUT: the plans did not reach every town within 300 s");
        return;
    }
    println!("      {n_nodes} towns hold {n_docs} plans after {:.1} s", t.elapsed().as_secs_f64());
    settle(Duration::from_millis(1500), Duration::from_secs(30)).await;

    // The burst: every town edits at once.
    let w0 = wire_stats();
    let t0 = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for k in 0..burst {
        let h = nodes[k % n_nodes].handle().clone();
        let doc = docs[k % n_docs];
        tasks.spawn(async move { edit(&h, doc, format!("B{k}")).await });
    }
    let mut failed = 0;
    let joined = tokio::time::timeout(Duration::from_secs(300), async {
        while let Some(r) = tasks.join_next().await {
            if !matches!(r, Ok(Some(_))) {
                failed += 1;
            }
        }
    })
    .await;
    if joined.is_err() {
        println!("      TIMEOUT: the burst's edits were not all answered within 300 s");
        return;
    }
    let issued = t0.elapsed();
    println!("      burst issued in {:.0} ms ({failed} edits failed)", ms(issued));
    let Some(burst_time) = all_converged(&nodes, &docs, Duration::from_secs(300)).await else {
        println!("      TIMEOUT: the burst did not converge within 300 s");
        return;
    };
    let burst_time = burst_time + issued;
    settle(Duration::from_millis(1500), Duration::from_secs(30)).await;
    let w1 = wire_stats();
    let row = |what: &str| format!("9 network {n_nodes} towns: {what}");
    ctx.report.add(
        &row(&format!("burst of {burst} edits, to every town")),
        ms(burst_time),
        Unit::Ms,
        None,
        Target::None,
    );
    ctx.report.add(
        &row("burst: sync bytes sent (all towns)"),
        (w1.bytes - w0.bytes) as f64,
        Unit::Bytes,
        None,
        Target::None,
    );

    // Single edits after the burst, one at a time, each until it reached every town.
    let mut lat = Vec::new();
    let mut timeouts = 0;
    let w0 = wire_stats();
    for k in 0..singles {
        let from = nodes[(k * 7 + 3) % n_nodes].handle();
        let doc = docs[k % n_docs];
        let t0 = Instant::now();
        let Some(hash) = edit(from, doc, format!("S{k}")).await else {
            timeouts += 1;
            continue;
        };
        match reach_all(&nodes, doc, &[hash], Duration::from_secs(60)).await {
            Some(_) => lat.push(ms(t0.elapsed())),
            None => timeouts += 1,
        }
    }
    settle(Duration::from_millis(1500), Duration::from_secs(30)).await;
    let w1 = wire_stats();
    if timeouts > 0 {
        println!("      {timeouts} single edits did not reach every town within 60 s");
    }
    let max = lat.iter().copied().fold(0.0, f64::max);
    ctx.report.add(
        &row("single edit to every town: p50"),
        percentile(&mut lat, 50.0),
        Unit::Ms,
        None,
        Target::None,
    );
    ctx.report.add(
        &row("single edit to every town: p99"),
        percentile(&mut lat, 99.0),
        Unit::Ms,
        None,
        Target::Below(1000.0),
    );
    ctx.report.add(&row("single edit to every town: worst"), max, Unit::Ms, None, Target::None);
    ctx.report.add(
        &row("single edit: sync bytes sent (all towns)"),
        (w1.bytes - w0.bytes) as f64 / singles as f64,
        Unit::Bytes,
        None,
        Target::None,
    );
    for n in nodes {
        n.shutdown().await;
    }
}
