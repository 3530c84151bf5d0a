//! Lock acquisition for the store's tables.
//!
//! A lock is poisoned when a thread panicked while holding it, possibly half-way through a change
//! that was meant to be atomic. The data behind it can no longer be trusted, so every later call
//! fails with an internal error instead of serving it.

use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use domain::Error;

fn poisoned<T>(table: &'static str) -> impl FnOnce(PoisonError<T>) -> Error {
    move |_| Error::Internal(anyhow::anyhow!("the in-memory {table} table was left inconsistent by a panic"))
}

/// Shared access to `lock`, guarding the table named `table`.
pub(crate) fn read<'a, T>(lock: &'a RwLock<T>, table: &'static str) -> Result<RwLockReadGuard<'a, T>, Error> {
    lock.read().map_err(poisoned(table))
}

/// Exclusive access to `lock`, guarding the table named `table`.
pub(crate) fn write<'a, T>(lock: &'a RwLock<T>, table: &'static str) -> Result<RwLockWriteGuard<'a, T>, Error> {
    lock.write().map_err(poisoned(table))
}

/// Exclusive access to `mutex`, guarding the table named `table`.
pub(crate) fn lock<'a, T>(mutex: &'a Mutex<T>, table: &'static str) -> Result<MutexGuard<'a, T>, Error> {
    mutex.lock().map_err(poisoned(table))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn poison<T: Send + Sync + 'static>(lock: &Arc<RwLock<T>>) {
        let held = Arc::clone(lock);
        let outcome = std::thread::spawn(move || {
            let _guard = held.write();
            panic!("poisoning the lock on purpose");
        })
        .join();
        assert!(outcome.is_err(), "the helper thread should have panicked");
    }

    #[test]
    fn a_poisoned_lock_is_an_internal_error_for_readers_and_writers() {
        let lock = Arc::new(RwLock::new(0_u8));
        poison(&lock);
        assert!(matches!(read(&lock, "test"), Err(Error::Internal(_))));
        assert!(matches!(write(&lock, "test"), Err(Error::Internal(_))));
    }

    #[test]
    fn a_healthy_lock_is_granted() {
        let lock = RwLock::new(7_u8);
        assert_eq!(read(&lock, "test").map(|guard| *guard).ok(), Some(7));
        let mutex = Mutex::new(8_u8);
        assert_eq!(lock_value(&mutex), Some(8));
    }

    fn lock_value(mutex: &Mutex<u8>) -> Option<u8> {
        lock(mutex, "test").map(|guard| *guard).ok()
    }
}
