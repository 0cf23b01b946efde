//! Who may take a connection thread: at most a fixed number in all, and at
//! most a smaller number per client address, so one client (a script
//! holding connections open) cannot take every thread and lock out the
//! browser. A taken place is a [`Slot`], given back when it is dropped, also
//! when the thread serving it unwinds or never starts.
//!
//! A client is its IPv4 address, or its IPv6 /64: one machine on IPv6
//! usually holds a whole /64 and could otherwise count as many clients. An
//! IPv4 address mapped into IPv6 (`::ffff:127.0.0.1`, as a dual-stack socket
//! reports it) is the IPv4 client it is.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// One client, as the per-client cap counts them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Client {
    V4([u8; 4]),
    /// The first 64 bits of the address.
    V6Prefix([u8; 8]),
}

impl Client {
    fn of(ip: IpAddr) -> Client {
        match ip.to_canonical() {
            IpAddr::V4(ip) => Client::V4(ip.octets()),
            IpAddr::V6(ip) => {
                let mut prefix = [0_u8; 8];
                prefix.copy_from_slice(ip.octets().get(..8).unwrap_or(&[0; 8]));
                Client::V6Prefix(prefix)
            }
        }
    }
}

/// The places being used, in all and per client.
struct Counts {
    total: usize,
    per_client: HashMap<Client, usize>,
}

/// The connection places of one server.
pub struct Clients {
    max_total: usize,
    max_per_client: usize,
    counts: Mutex<Counts>,
}

/// A place taken by one connection; dropping it gives the place back.
pub struct Slot {
    clients: Arc<Clients>,
    client: Client,
}

impl Clients {
    pub fn new(max_total: usize, max_per_client: usize) -> Arc<Clients> {
        Arc::new(Clients {
            max_total,
            max_per_client,
            counts: Mutex::new(Counts {
                total: 0,
                per_client: HashMap::new(),
            }),
        })
    }

    /// A place for a connection from `ip`, or none when the server or this
    /// client already has all it may.
    pub fn enter(self: &Arc<Clients>, ip: IpAddr) -> Option<Slot> {
        let client = Client::of(ip);
        let mut counts = self.lock();
        let used = counts.per_client.get(&client).copied().unwrap_or(0);
        if counts.total >= self.max_total || used >= self.max_per_client {
            return None;
        }
        counts.total += 1;
        counts.per_client.insert(client, used + 1);
        Some(Slot {
            clients: Arc::clone(self),
            client,
        })
    }

    /// The counts; a thread that panicked while holding them left them
    /// whole (nothing in here panics between two updates), so a poisoned
    /// lock is taken as it is.
    fn lock(&self) -> MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.clients.lock();
        counts.total = counts.total.saturating_sub(1);
        if let Some(used) = counts.per_client.get_mut(&self.client) {
            *used = used.saturating_sub(1);
            if *used == 0 {
                // Forget clients that left, or the map grows with every address seen.
                counts.per_client.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn one_client_gets_its_share_and_no_more_while_others_still_get_theirs() {
        let clients = Clients::new(10, 3);
        let held: Vec<Slot> = (0..3).map(|_| clients.enter(ip("127.0.0.1")).unwrap()).collect();
        assert!(clients.enter(ip("127.0.0.1")).is_none());
        // The same client seen through a dual-stack socket.
        assert!(clients.enter(ip("::ffff:127.0.0.1")).is_none());
        assert!(clients.enter(ip("::1")).is_some());
        drop(held);
        assert!(clients.enter(ip("127.0.0.1")).is_some());
        assert!(clients.lock().per_client.is_empty(), "clients that left are forgotten");
    }

    #[test]
    fn an_ipv6_64_is_one_client() {
        let clients = Clients::new(10, 2);
        let _a = clients.enter(ip("2001:db8:1:2::1")).unwrap();
        let _b = clients.enter(ip("2001:db8:1:2:ffff::9")).unwrap();
        assert!(clients.enter(ip("2001:db8:1:2::77")).is_none());
        assert!(clients.enter(ip("2001:db8:1:3::1")).is_some());
    }

    #[test]
    fn the_total_caps_all_clients_together() {
        let clients = Clients::new(3, 2);
        let held = [
            clients.enter(ip("10.0.0.1")).unwrap(),
            clients.enter(ip("10.0.0.2")).unwrap(),
            clients.enter(ip("10.0.0.3")).unwrap(),
        ];
        assert!(clients.enter(ip("10.0.0.4")).is_none());
        drop(held);
        assert_eq!(clients.lock().total, 0);
        assert!(clients.enter(ip("10.0.0.4")).is_some());
    }
}
