//! One configurable fake platform adapter, for the behaviour the embedded sandbox does not show:
//! a platform that is slow, down for a while, applies a write but loses the answer, or cannot
//! read anything back.
//!
//! A [`FakePlatform`] passes every call to a [`SandboxAdapter`] (its own, or one the test keeps)
//! unless told otherwise. For each kind of call ([`Op`]) a test scripts the answers of the next
//! calls, in order ([`FakePlatform::then`]), the answer once those run out
//! ([`FakePlatform::always`]), and a delay before each answer ([`FakePlatform::delay`]). Every
//! call is recorded, with the access token it was handed, in a [`CallLog`] that several fakes
//! (one per platform of an app) can share.
//!
//! ```ignore
//! let meta = Arc::new(
//!     FakePlatform::new(Platform::Meta)
//!         .then(Op::Reconcile, Answer::Fail(PlatformError::transient("connection refused")))
//!         .always(Op::Reconcile, Answer::Reads(Reconciliation::Unknown)),
//! );
//! ```

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use layers_dashboard::domain::Platform;
use layers_dashboard::platform::{
    AccountContext, CreativeMedia, DispatchReceipt, PlatformAdapter, PlatformError, PlatformWrite,
    PushedCreative, Reconciliation, SandboxAdapter,
};

/// The calls of [`PlatformAdapter`] that go out to a platform, which a [`FakePlatform`] scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// [`PlatformAdapter::dispatch`]: one write.
    Dispatch,
    /// [`PlatformAdapter::push_creative`]: a creative uploaded before an ad shows it.
    PushCreative,
    /// [`PlatformAdapter::reconcile`]: a write whose outcome was never recorded, read back.
    Reconcile,
}

/// What a [`FakePlatform`] answers to one call.
#[derive(Debug, Clone)]
pub enum Answer {
    /// The sandbox answers (it applies a write and records its native request).
    Sandbox,
    /// This error, without the sandbox seeing the call: nothing applied.
    Fail(PlatformError),
    /// The sandbox applies the call, then this error is answered instead of its receipt, as
    /// when the platform's answer is lost.
    ApplyThenFail(PlatformError),
    /// For [`Op::Reconcile`] only: this reading, without asking the sandbox.
    Reads(Reconciliation),
}

/// One call a fake received.
#[derive(Debug, Clone)]
pub struct Call {
    /// The platform of the fake that received it.
    pub platform: Platform,
    /// Which call.
    pub op: Op,
    /// The access token the adapter was handed with the account, decrypted.
    pub access_token: Option<String>,
    /// The write sent or read back (`None` for a creative push).
    pub write: Option<PlatformWrite>,
}

/// Every call the fakes sharing it received, oldest first.
#[derive(Debug, Clone, Default)]
pub struct CallLog(Arc<Mutex<Vec<Call>>>);

impl CallLog {
    /// Every call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.lock().clone()
    }

    /// The calls of kind `op` so far.
    pub fn of(&self, op: Op) -> Vec<Call> {
        self.lock().iter().filter(|call| call.op == op).cloned().collect()
    }

    /// The access token of every dispatch so far, in order.
    pub fn dispatch_tokens(&self) -> Vec<Option<String>> {
        self.of(Op::Dispatch).into_iter().map(|call| call.access_token).collect()
    }

    /// Forgets every call so far.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn record(&self, call: Call) {
        self.lock().push(call);
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Call>> {
        self.0.lock().expect("call log lock")
    }
}

/// The answers scripted for one kind of call.
#[derive(Debug, Default)]
struct Script {
    next: VecDeque<Answer>,
    always: Option<Answer>,
    delay: Duration,
}

impl Script {
    /// The answer to the call being made now, and the delay before it.
    fn take(&mut self) -> (Answer, Duration) {
        let answer = self.next.pop_front().or_else(|| self.always.clone()).unwrap_or(Answer::Sandbox);
        (answer, self.delay)
    }
}

/// A platform adapter answering as scripted, otherwise as its sandbox does.
#[derive(Debug)]
pub struct FakePlatform {
    sandbox: Arc<SandboxAdapter>,
    scripts: Mutex<HashMap<Op, Script>>,
    log: CallLog,
}

impl FakePlatform {
    /// A fake of `platform` over a fresh sandbox of its own, with its own call log.
    pub fn new(platform: Platform) -> Self {
        Self::over(Arc::new(SandboxAdapter::new(platform)))
    }

    /// A fake over `sandbox`, which the test may keep to see what it applied or make it crash.
    pub fn over(sandbox: Arc<SandboxAdapter>) -> Self {
        FakePlatform { sandbox, scripts: Mutex::default(), log: CallLog::default() }
    }

    /// The same fake, recording its calls in `log` (shared with other fakes) instead.
    pub fn logging_to(mut self, log: &CallLog) -> Self {
        self.log = log.clone();
        self
    }

    /// The same fake, answering the next call of kind `op` not yet scripted with `answer`.
    pub fn then(self, op: Op, answer: Answer) -> Self {
        self.script(op, answer);
        self
    }

    /// The same fake, answering `times` further calls of kind `op` with `error`.
    pub fn fail_next(self, op: Op, times: usize, error: PlatformError) -> Self {
        (0..times).fold(self, |fake, _| fake.then(op, Answer::Fail(error.clone())))
    }

    /// The same fake, answering every call of kind `op` with `answer` once the scripted
    /// answers have run out.
    pub fn always(self, op: Op, answer: Answer) -> Self {
        self.scripts().entry(op).or_default().always = Some(answer);
        self
    }

    /// The same fake, waiting `delay` before answering each call of kind `op`.
    pub fn delay(self, op: Op, delay: Duration) -> Self {
        self.scripts().entry(op).or_default().delay = delay;
        self
    }

    /// Scripts `answer` for the next call of kind `op` not yet scripted, on a fake already in use.
    pub fn script(&self, op: Op, answer: Answer) {
        self.scripts().entry(op).or_default().next.push_back(answer);
    }

    /// The sandbox behind the fake.
    pub fn sandbox(&self) -> &Arc<SandboxAdapter> {
        &self.sandbox
    }

    /// The log the fake records its calls in.
    pub fn log(&self) -> &CallLog {
        &self.log
    }

    /// The calls of kind `op` this fake received (its log may hold other fakes' calls too).
    pub fn calls(&self, op: Op) -> Vec<Call> {
        let platform = self.sandbox.platform();
        self.log.of(op).into_iter().filter(|call| call.platform == platform).collect()
    }

    fn scripts(&self) -> MutexGuard<'_, HashMap<Op, Script>> {
        self.scripts.lock().expect("script lock")
    }

    /// Records the call and returns its scripted answer, after its delay.
    async fn answer(&self, op: Op, account: &AccountContext, write: Option<&PlatformWrite>) -> Answer {
        self.log.record(Call {
            platform: self.sandbox.platform(),
            op,
            access_token: account.access_token.as_ref().map(|token| token.expose().to_owned()),
            write: write.cloned(),
        });
        let (answer, delay) = self.scripts().entry(op).or_default().take();
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        answer
    }
}

/// Panics on an answer that cannot answer `op`: a mistake in the test's script.
fn misplaced(op: Op, answer: &Answer) -> ! {
    panic!("{answer:?} cannot answer {op:?}: `Answer::Reads` answers `Op::Reconcile` only")
}

#[async_trait]
impl PlatformAdapter for FakePlatform {
    fn platform(&self) -> Platform {
        self.sandbox.platform()
    }

    async fn dispatch(
        &self,
        account: &AccountContext,
        write: &PlatformWrite,
    ) -> Result<DispatchReceipt, PlatformError> {
        match self.answer(Op::Dispatch, account, Some(write)).await {
            Answer::Sandbox => self.sandbox.dispatch(account, write).await,
            Answer::Fail(error) => Err(error),
            Answer::ApplyThenFail(error) => self.sandbox.dispatch(account, write).await.and(Err(error)),
            reads @ Answer::Reads(_) => misplaced(Op::Dispatch, &reads),
        }
    }

    async fn push_creative(
        &self,
        account: &AccountContext,
        media: &CreativeMedia,
    ) -> Result<PushedCreative, PlatformError> {
        match self.answer(Op::PushCreative, account, None).await {
            Answer::Sandbox => self.sandbox.push_creative(account, media).await,
            Answer::Fail(error) => Err(error),
            Answer::ApplyThenFail(error) => self.sandbox.push_creative(account, media).await.and(Err(error)),
            reads @ Answer::Reads(_) => misplaced(Op::PushCreative, &reads),
        }
    }

    fn check_push(&self, account: &AccountContext, media: &CreativeMedia) -> Result<(), PlatformError> {
        self.sandbox.check_push(account, media)
    }

    fn check_write(&self, account: &AccountContext, write: &PlatformWrite) -> Result<(), PlatformError> {
        self.sandbox.check_write(account, write)
    }

    async fn reconcile(
        &self,
        account: &AccountContext,
        write: &PlatformWrite,
        sent_after: DateTime<Utc>,
    ) -> Result<Reconciliation, PlatformError> {
        match self.answer(Op::Reconcile, account, Some(write)).await {
            Answer::Sandbox => self.sandbox.reconcile(account, write, sent_after).await,
            Answer::Fail(error) => Err(error),
            Answer::ApplyThenFail(error) => {
                self.sandbox.reconcile(account, write, sent_after).await.and(Err(error))
            }
            Answer::Reads(reading) => Ok(reading),
        }
    }
}
