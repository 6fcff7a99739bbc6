//! A local SMTP sink for the notification tests: it speaks just enough SMTP
//! (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) to accept what a real client
//! sends, and keeps each message with its envelope recipients.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One message as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub data: String,
}

pub struct SmtpSink {
    pub port: u16,
    pub received: Arc<Mutex<Vec<Received>>>,
}

impl SmtpSink {
    /// Listens on a free loopback port, answering each connection on a thread.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let store = store.clone();
                std::thread::spawn(move || converse(stream, &store));
            }
        });
        SmtpSink { port, received }
    }

    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

fn converse(stream: TcpStream, store: &Mutex<Vec<Received>>) {
    let mut out = stream.try_clone().unwrap();
    let mut lines = BufReader::new(stream);
    let mut reply = |text: &str| out.write_all(format!("{text}\r\n").as_bytes()).is_ok();
    if !reply("220 sink ESMTP") {
        return;
    }
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_ascii_uppercase();
        let ok = if command.starts_with("EHLO") || command.starts_with("HELO") {
            reply("250-sink") && reply("250 8BITMIME")
        } else if command.starts_with("MAIL FROM") {
            to.clear();
            reply("250 OK")
        } else if command.starts_with("RCPT TO") {
            let address = line.trim_end()[8..]
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string();
            to.push(address);
            reply("250 OK")
        } else if command == "DATA" {
            if !reply("354 end with <CRLF>.<CRLF>") {
                return;
            }
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                if line == ".\r\n" {
                    break;
                }
                data.push_str(&line);
            }
            store.lock().unwrap().push(Received {
                to: std::mem::take(&mut to),
                data,
            });
            reply("250 queued")
        } else if command == "QUIT" {
            reply("221 bye");
            return;
        } else {
            // RSET, NOOP and anything else.
            reply("250 OK")
        };
        if !ok {
            return;
        }
    }
}
