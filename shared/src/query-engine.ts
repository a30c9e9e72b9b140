/**
 * The query engine behind the published tables: Athena in AWS; DuckDB (see `duckdb.ts`) on a
 * machine without AWS. Both run the same view SQL, kept to the subset Athena (Trino) and DuckDB share.
 */
import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { QueryError } from './errors';

export type Row = Record<string, string | number | bigint | boolean | null>;

export interface ColumnDef {
  name: string;
  /** Athena/Hive type: `string`, `bigint`, `double`, `timestamp`, `date`. */
  type: 'string' | 'bigint' | 'double' | 'timestamp' | 'date';
}

/** An external table over CSV files under an S3 prefix (header row skipped). */
export interface CsvTableDef {
  name: string;
  /** `s3://bucket/prefix/` holding only this table's CSV file(s). */
  location: string;
  columns: ColumnDef[];
}

export interface QueryEngine {
  /** Run one statement and wait for it; rows for a SELECT, [] otherwise. Throws {@link QueryError}. */
  execute(sql: string): Promise<Row[]>;
  /** (Re)create an external table over CSV data. */
  registerCsvTable(def: CsvTableDef): Promise<void>;
}

export interface AthenaOptions {
  workgroup: string;
  database: string;
  /** Delay between status polls. */
  pollMs?: number;
  /** Give up (and fail) after this long. */
  timeoutMs?: number;
}

/** The DDL Athena needs for a CSV table; OpenCSVSerde reads RFC 4180 quoting (multi-line fields included). */
export function athenaCsvTableDdl(def: CsvTableDef): string[] {
  // OpenCSVSerde parses bigint/double/string; timestamps only as UNIX numbers, so those stay strings
  // and views CAST them.
  const cols = def.columns.map((c) => `\`${c.name}\` ${csvSerdeType(c.type)}`).join(', ');
  return [
    `DROP TABLE IF EXISTS \`${def.name}\``,
    `CREATE EXTERNAL TABLE \`${def.name}\` (${cols}) ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' WITH SERDEPROPERTIES ('separatorChar' = ',', 'quoteChar' = '"', 'escapeChar' = '\\\\') STORED AS TEXTFILE LOCATION '${def.location}' TBLPROPERTIES ('skip.header.line.count' = '1')`,
  ];
}

/** The type a CSV column is declared with on both engines: timestamps and dates are read as strings. */
export function csvSerdeType(t: ColumnDef['type']): 'string' | 'bigint' | 'double' {
  return t === 'bigint' || t === 'double' ? t : 'string';
}

export class AthenaQueryEngine implements QueryEngine {
  constructor(
    private readonly client: AthenaClient,
    private readonly options: AthenaOptions,
  ) {}

  async execute(sql: string): Promise<Row[]> {
    const started = await this.client.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: this.options.workgroup,
        QueryExecutionContext: { Database: this.options.database },
      }),
    );
    const id = started.QueryExecutionId;
    if (!id) throw new QueryError('Athena returned no query id', 'no QueryExecutionId');
    const deadline = Date.now() + (this.options.timeoutMs ?? 240_000);
    const poll = this.options.pollMs ?? 1000;
    while (true) {
      const { QueryExecution: q } = await this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const state = q?.Status?.State;
      if (state === 'SUCCEEDED') break;
      if (state === 'FAILED' || state === 'CANCELLED') {
        const reason = q?.Status?.StateChangeReason ?? q?.Status?.AthenaError?.ErrorMessage ?? state;
        throw new QueryError(`Athena query ${id} ${state}: ${reason}`, reason, id);
      }
      if (Date.now() > deadline) throw new QueryError(`Athena query ${id} timed out`, 'timeout', id);
      await new Promise((r) => setTimeout(r, poll));
    }
    return this.results(id, sql);
  }

  private async results(id: string, sql: string): Promise<Row[]> {
    if (!/^\s*(select|with|show|describe)\b/i.test(sql)) return [];
    const rows: Row[] = [];
    let header: string[] | undefined;
    let token: string | undefined;
    do {
      const page = await this.client.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token }));
      for (const r of page.ResultSet?.Rows ?? []) {
        const values = (r.Data ?? []).map((d) => d.VarCharValue ?? null);
        if (!header) {
          header = values.map((v, i) => v ?? `_${i}`);
          continue;
        }
        const row: Row = {};
        header.forEach((h, i) => {
          row[h] = values[i] ?? null;
        });
        rows.push(row);
      }
      token = page.NextToken;
    } while (token);
    return rows;
  }

  async registerCsvTable(def: CsvTableDef): Promise<void> {
    for (const stmt of athenaCsvTableDdl(def)) await this.execute(stmt);
  }
}
