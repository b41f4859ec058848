import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@latchkey/shared-kernel';
import { Database } from './database';

@Injectable()
export class DrizzleUnitOfWork extends UnitOfWork {
  constructor(private readonly database: Database) {
    super();
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    return this.database.transaction(work);
  }

  runWrites<T>(work: () => Promise<T>): Promise<T> {
    return this.database.writeBatch(work);
  }
}
