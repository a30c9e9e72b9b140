/**
 * DuckDB as the local stand-in for Athena and the Glue catalog. Used only by the local runner,
 * the tests and the bench: no Lambda handler imports it (the native binding stays out of bundles).
 * S3 locations (`s3://bucket/prefix/`) are mapped to local files by a resolver the caller supplies.
 */
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Catalog } from './catalog';
import { QueryError } from './errors';
import { type CsvTableDef, csvSerdeType, type QueryEngine, type Row } from './query-engine';

/**
 * Maps an `s3://…` location (an object key, or a prefix ending in `/`) to a local path or glob
 * DuckDB can read; `format` says which files a prefix stands for.
 */
export type LocationResolver = (location: string, format: 'csv' | 'parquet') => Promise<string>;

const DUCK_TYPES = { string: 'VARCHAR', bigint: 'BIGINT', double: 'DOUBLE' } as const;

export class DuckDbEngine implements QueryEngine, Catalog {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly resolve: LocationResolver,
  ) {}

  /** An in-memory database (or a file, when `path` is given). */
  static async create(resolve: LocationResolver, path = ':memory:'): Promise<DuckDbEngine> {
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    return new DuckDbEngine(instance, connection, resolve);
  }

  async execute(sql: string): Promise<Row[]> {
    try {
      const reader = await this.connection.runAndReadAll(sql);
      return reader.getRowObjectsJS() as Row[];
    } catch (err) {
      const reason = (err as Error).message;
      throw new QueryError(`DuckDB query failed: ${reason}`, reason);
    }
  }

  async registerCsvTable(def: CsvTableDef): Promise<void> {
    const path = await this.resolve(def.location, 'csv');
    const columns = def.columns.map((c) => `'${c.name}': '${DUCK_TYPES[csvSerdeType(c.type)]}'`).join(', ');
    await this.execute(
      `CREATE OR REPLACE VIEW "${def.name}" AS SELECT * FROM read_csv(${quote(path)}, header = true, quote = '"', escape = '"', columns = {${columns}})`,
    );
  }

  /** The local catalog: a view named `table` over the Parquet data at `location`. */
  async publish(table: string, location: string): Promise<void> {
    const path = await this.resolve(location, 'parquet');
    await this.execute(`CREATE OR REPLACE VIEW "${table}" AS SELECT * FROM read_parquet(${quote(path)})`);
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

function quote(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}
