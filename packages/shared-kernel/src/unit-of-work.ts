/**
 * One transaction per use case. Repositories called inside `run` join the transaction without
 * being handed it, so a use case spanning both modules (sign-up) still commits once.
 * A nested `run` joins the outer transaction.
 */
export abstract class UnitOfWork {
  abstract run<T>(work: () => Promise<T>): Promise<T>;

  /**
   * A unit of work that only writes rows whose values it already has (no read, no lock, no
   * write whose result it needs): its writes reach the database together when `work` returns,
   * all of them or none, as with `run`, in one round trip. Reading inside it is a programming
   * error and throws. Inside `run`, it joins that transaction; a `run` inside it joins it.
   */
  abstract runWrites<T>(work: () => Promise<T>): Promise<T>;
}
