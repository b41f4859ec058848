import { Injectable } from '@nestjs/common';
import { Database, transactionLock, tryTransactionLock } from '@latchkey/platform';
import { TransactionLock } from '../../application/ports';

@Injectable()
export class AdvisoryTransactionLock extends TransactionLock {
  constructor(private readonly database: Database) {
    super();
  }

  tryAcquire(name: string): Promise<boolean> {
    return tryTransactionLock(this.database, name);
  }

  acquire(name: string): Promise<void> {
    return transactionLock(this.database, name);
  }
}
