/**
 * One transaction per use case. Repositories called inside `run` join the transaction without
 * being handed it, so a use case spanning both modules (sign-up) still commits once.
 * A nested `run` joins the outer transaction.
 */
export abstract class UnitOfWork {
  abstract run<T>(work: () => Promise<T>): Promise<T>;
}
