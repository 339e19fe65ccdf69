use std::time::Duration;

use zeromq::{Socket, SocketRecv, SocketSend, ZmqMessage};

/// A message not delivered this long after its burst is taken as stranded: far longer
/// than a loopback delivery takes, even on a busy machine.
const STRANDED_AFTER: Duration = Duration::from_secs(5);

/// Publishes bursts of messages with varied gaps between them, as a cell's
/// result, reply and idle status go out, and checks that every burst's last
/// message arrives without a later one pushing it out. On a multi-threaded
/// runtime zeromq 0.7 stranded 21 of 400,000 such bursts when this test was written.
fn last_messages_stranded(runtime: &tokio::runtime::Runtime, bursts: usize) -> Vec<usize> {
    runtime.block_on(async {
        let mut publisher = zeromq::PubSocket::new();
        let endpoint = publisher
            .bind("tcp://127.0.0.1:0")
            .await
            .expect("bind a PUB socket on the loopback");
        let mut subscriber = zeromq::SubSocket::new();
        subscriber
            .connect(&endpoint.to_string())
            .await
            .expect("connect the SUB socket");
        subscriber.subscribe("").await.expect("subscribe");
        // A PUB socket drops messages until the subscription has arrived.
        loop {
            publisher
                .send(ZmqMessage::from("hello"))
                .await
                .expect("publish");
            let received = tokio::time::timeout(Duration::from_millis(50), subscriber.recv());
            if received.await.is_ok() {
                break;
            }
        }
        while tokio::time::timeout(Duration::from_millis(50), subscriber.recv())
            .await
            .is_ok()
        {}

        let mut stranded = Vec::new();
        for burst in 0..bursts {
            let size = 2 + burst % 3;
            for index in 0..size {
                let text = if index + 1 == size {
                    format!("last {burst}")
                } else {
                    format!("{burst}.{index}")
                };
                publisher
                    .send(ZmqMessage::from(text))
                    .await
                    .expect("publish");
                // Gaps from none to a few microseconds, so some publishes meet the
                // fanout task just as it finishes a batch.
                for _ in 0..(burst.wrapping_mul(7919) + index * 131) % 3000 {
                    std::hint::spin_loop();
                }
            }
            let last = format!("last {burst}");
            loop {
                match tokio::time::timeout(STRANDED_AFTER, subscriber.recv()).await {
                    Ok(Ok(message)) if message.get(0).is_some_and(|f| f == last.as_bytes()) => {
                        break;
                    }
                    Ok(Ok(_)) => {}
                    Ok(Err(error)) => panic!("the SUB socket failed: {error}"),
                    Err(_) => {
                        stranded.push(burst);
                        // Push the stranded message out, so the next burst starts clean.
                        publisher
                            .send(ZmqMessage::from("nudge"))
                            .await
                            .expect("publish");
                    }
                }
            }
        }
        stranded
    })
}

#[test]
fn the_kernel_runtime_never_strands_a_published_message() {
    let runtime = super::runtime().expect("build the kernel's runtime");
    let stranded = last_messages_stranded(&runtime, 40_000);
    assert!(
        stranded.is_empty(),
        "these bursts' last messages waited for a later publish: {stranded:?}"
    );
}
