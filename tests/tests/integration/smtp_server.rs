//! A real SMTP server on loopback for the mail tests: `mailin-embedded` (an embeddable SMTP
//! server: its own SMTP state machine over TCP), recording what it receives. The server under
//! test reaches it through lettre's SMTP client, as it would reach a relay in production.

use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mailin_embedded::{Handler, Response, Server, response};

/// One message as received: the envelope and the data after `DATA`.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("an RFC 5322 message")
    }
}

#[derive(Clone)]
struct Recorder {
    received: Arc<Mutex<Vec<Received>>>,
    current: Option<Received>,
}

impl Handler for Recorder {
    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some(Received {
            from: from.to_owned(),
            to: to.to_vec(),
            data: Vec::new(),
        });
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(message) = &mut self.current {
            message.data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let Some(message) = self.current.take() {
            self.received.lock().expect("lock").push(message);
        }
        response::OK
    }
}

/// The server; it serves until the test process ends.
pub struct SmtpServer {
    pub address: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
}

impl SmtpServer {
    /// Starts a server on a free loopback port.
    pub fn start() -> Self {
        Self::on(TcpListener::bind("127.0.0.1:0").expect("bind a loopback port"))
    }

    /// Starts a server on `address` (a port reserved earlier with [`free_port`]).
    pub fn start_at(address: SocketAddr) -> Self {
        Self::on(TcpListener::bind(address).expect("bind the reserved port"))
    }

    fn on(listener: TcpListener) -> Self {
        let address = listener.local_addr().expect("address");
        let received = Arc::new(Mutex::new(Vec::new()));
        let mut server = Server::new(Recorder {
            received: received.clone(),
            current: None,
        });
        server.with_name("smtp.test").with_tcp_listener(listener);
        std::thread::spawn(move || {
            if let Err(e) = server.serve() {
                eprintln!("the test SMTP server stopped: {e}");
            }
        });
        SmtpServer { address, received }
    }

    /// `smtp://127.0.0.1:PORT` for `TEMUJANJI_SMTP_URL`.
    pub fn url(&self) -> String {
        smtp_url(self.address)
    }

    /// What was received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    /// Waits up to 20 s for a message to `to` whose `Subject` contains `subject`.
    pub async fn wait_for(&self, to: &str, subject: &str) -> Received {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let found = self.received().into_iter().find(|m| {
                m.to.iter().any(|t| t == to)
                    && m.parsed().subject().is_some_and(|s| s.contains(subject))
            });
            if let Some(message) = found {
                return message;
            }
            assert!(
                Instant::now() < deadline,
                "no mail to {to} about {subject:?}; received: {:#?}",
                self.received()
                    .iter()
                    .map(|m| (m.to.clone(), m.parsed().subject().map(str::to_owned)))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

pub fn smtp_url(address: SocketAddr) -> String {
    format!("smtp://{address}")
}

/// A loopback address nobody listens on (yet): bound, then released.
pub fn free_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address")
}
