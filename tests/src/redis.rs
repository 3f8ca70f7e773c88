//! The engine of the relay nodes in the cross-node tests: a real `redis-server` on a loopback port, saving
//! nothing, killed when dropped. The relay's own cluster tests start theirs the same way: the one copy is
//! the `cobrowse-test-redis` crate (`test-redis/`), which says why a server is known by its process id.

pub use cobrowse_test_redis::RedisServer as Redis;
