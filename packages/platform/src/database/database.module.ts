import { type DynamicModule, Global, Module } from '@nestjs/common';
import { UnitOfWork } from '@latchkey/shared-kernel';
import { Database } from './database';
import { DrizzleUnitOfWork } from './drizzle-unit-of-work';

/** The database is opened (and migrated) before Nest starts, so a bad DATABASE_URL fails fast. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(database: Database): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: Database, useValue: database },
        { provide: UnitOfWork, useClass: DrizzleUnitOfWork },
      ],
      exports: [Database, UnitOfWork],
    };
  }
}
