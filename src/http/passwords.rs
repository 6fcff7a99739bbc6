//! Password checks on one dedicated thread. An argon2id check allocates
//! 19 MiB; done on whichever blocking thread handles the request, every
//! allocator arena ends up keeping such a block, and a server under steady
//! sign-ins grows by hundreds of MiB (measured: 300 → 540 MiB in five minutes).
//! On one thread the memory stays in one arena and the server's memory stays
//! flat. Sign-ins are then checked one at a time (some 30 a second), which
//! is also a natural brake on guessing. A name without a password is checked
//! against a dummy hash made on the same thread, so it costs what a real
//! check costs and tells nothing.

use std::sync::mpsc::{self, SyncSender};

struct Job {
    password: String,
    /// None: no such user (or one without a password): check the dummy hash.
    hash: Option<String>,
    reply: mpsc::Sender<bool>,
}

/// The checker of one running service (app data).
#[derive(Debug)]
pub struct PasswordChecker {
    jobs: SyncSender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

impl PasswordChecker {
    /// Starts the checking thread; it ends when the checker is dropped.
    pub fn start() -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::sync_channel::<Job>(256);
        std::thread::Builder::new()
            .name("password-check".into())
            .spawn(move || {
                let mut dummy: Option<String> = None;
                for job in queue {
                    let ok = match &job.hash {
                        Some(hash) => {
                            crate::service::accounts::verify_password(&job.password, hash)
                        }
                        None => {
                            if dummy.is_none() {
                                dummy = dummy_hash();
                            }
                            if let Some(d) = &dummy {
                                crate::service::accounts::verify_password(&job.password, d);
                            }
                            false
                        }
                    };
                    // The caller may have given up waiting: nothing to tell.
                    let _gone = job.reply.send(ok);
                }
            })?;
        Ok(Self { jobs })
    }

    /// Does `password` match the PHC `hash`? With no hash (no such user) the
    /// answer is false, after a check that takes as long as a real one.
    /// Blocks until the thread answers: call it from the blocking pool. None
    /// when the thread is gone.
    pub fn verify(&self, password: &str, hash: Option<&str>) -> Option<bool> {
        let (reply, answer) = mpsc::channel();
        self.jobs
            .send(Job {
                password: password.to_string(),
                hash: hash.map(str::to_string),
                reply,
            })
            .ok()?;
        answer.recv().ok()
    }
}

/// A hash of a random secret nobody knows.
fn dummy_hash() -> Option<String> {
    let mut secret = [0u8; 16];
    getrandom::fill(&mut secret).ok()?;
    crate::service::accounts::hash_password(&hex::encode(secret)).ok()
}

#[cfg(test)]
mod tests {
    use super::PasswordChecker;

    #[test]
    fn checks_on_its_own_thread() {
        let hash = crate::service::accounts::hash_password("correct horse").unwrap();
        let checker = PasswordChecker::start().unwrap();
        assert_eq!(checker.verify("correct horse", Some(&hash)), Some(true));
        assert_eq!(checker.verify("wrong", Some(&hash)), Some(false));
        assert_eq!(checker.verify("x", Some("not a hash")), Some(false));
        assert_eq!(checker.verify("correct horse", None), Some(false));
    }
}
