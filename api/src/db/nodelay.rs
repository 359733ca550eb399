//! `TCP_NODELAY` on the PostgreSQL pool's sockets.
//!
//! sqlx 0.9.0 no longer sets it (transact-rs/sqlx#4335, fixed upstream but unreleased) and
//! gives no way to reach a connection's socket. Without it, a message larger than the
//! socket's send buffer leaves its tail waiting for the server's delayed ACK (~40 ms): a
//! 100-row INSERT took 45 ms over TCP and 3 ms over a Unix socket. So each new connection
//! looks its socket up among the process's file descriptors (TCP, connected to the
//! database's port) and sets the option there. Written by hand because no crate reaches
//! into sqlx's socket; drop it when a sqlx release sets the option again.

use std::net::SocketAddr;
use std::os::fd::{BorrowedFd, RawFd};

/// Sets `TCP_NODELAY` on every TCP socket of this process connected to `port` on one of
/// `hosts`, and returns how many it set.
pub fn set_on_connections_to(hosts: &[std::net::IpAddr], port: u16) -> usize {
    let Ok(entries) = std::fs::read_dir("/proc/self/fd") else {
        // Not Linux (or no procfs): nothing to find, the pool works as before.
        return 0;
    };
    let mut set = 0;
    for entry in entries.flatten() {
        let Some(fd) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<RawFd>().ok())
        else {
            continue;
        };
        if is_database_socket(fd, hosts, port) && set_nodelay(fd) {
            set += 1;
        }
    }
    set
}

fn is_database_socket(fd: RawFd, hosts: &[std::net::IpAddr], port: u16) -> bool {
    with_socket(fd, |socket| {
        let tcp = socket.r#type().ok() == Some(socket2::Type::STREAM);
        let peer = socket.peer_addr().ok().and_then(|a| a.as_socket());
        tcp && peer.is_some_and(|peer: SocketAddr| {
            peer.port() == port && hosts.iter().any(|h| same_host(*h, peer.ip()))
        })
    })
}

fn set_nodelay(fd: RawFd) -> bool {
    with_socket(fd, |socket| socket.set_tcp_nodelay(true).is_ok())
}

/// `f` on the socket behind `fd`.
fn with_socket<T>(fd: RawFd, f: impl FnOnce(&socket2::SockRef<'_>) -> T) -> T {
    // SAFETY: the descriptor is only borrowed for the duration of two socket calls. Another
    // thread may close it meanwhile and the number may be reused; the calls then fail
    // (ENOTSOCK, EBADF) or set TCP_NODELAY on another TCP socket, which is harmless.
    let fd = unsafe { BorrowedFd::borrow_raw(fd) };
    // Anything but a socket answers the calls in `f` with ENOTSOCK.
    f(&socket2::SockRef::from(&fd))
}

/// Whether `a` and `b` are the same address, an IPv4 address matching its IPv6-mapped form.
fn same_host(a: std::net::IpAddr, b: std::net::IpAddr) -> bool {
    a == b || a.to_canonical() == b.to_canonical()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodelay_is_set_on_connections_to_the_port_and_no_other() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let ours = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let theirs = std::net::TcpStream::connect(other.local_addr().unwrap()).unwrap();
        assert!(!ours.nodelay().unwrap());
        let localhost = [std::net::IpAddr::from([127, 0, 0, 1])];
        let set = set_on_connections_to(&localhost, listener.local_addr().unwrap().port());
        assert_eq!(set, 1);
        assert!(ours.nodelay().unwrap());
        assert!(!theirs.nodelay().unwrap());
    }
}
