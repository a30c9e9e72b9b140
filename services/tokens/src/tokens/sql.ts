/**
 * The published Athena objects over the consolidated CSV. The SQL keeps to what Athena (Trino)
 * and DuckDB share, and is tested on DuckDB. `create_date` is a string column (OpenCSVSerde reads
 * timestamps only as UNIX numbers), so the views CAST it.
 */
import type { ColumnDef, CsvTableDef } from '@catia/shared';
import { CSV_COLUMNS } from './conversation';

const TYPES: Partial<Record<(typeof CSV_COLUMNS)[number], ColumnDef['type']>> = {
  input_token: 'bigint',
  output_token: 'bigint',
  precio_token_input: 'double',
  precio_token_output: 'double',
  total_price: 'double',
  message_count: 'bigint',
  input_token_context: 'bigint',
  recorded_total_price: 'double',
};

export function tokensTableDef(location: string): CsvTableDef {
  return {
    name: 'tokens_table',
    location,
    columns: CSV_COLUMNS.map((name) => ({ name, type: TYPES[name] ?? 'string' })),
  };
}

/** The original's view (kept column for column), plus the source. */
export const TOKEN_USAGE_ANALYSIS = `CREATE OR REPLACE VIEW token_usage_analysis AS
SELECT CAST(create_date AS timestamp) AS create_date,
       input_token AS "token pregunta",
       output_token AS "token respuesta",
       input_token + output_token AS "total tokens",
       precio_token_input AS "precio total pregunta",
       precio_token_output AS "precio total respuesta",
       total_price AS "precio total",
       source
FROM tokens_table
WHERE input_token > 0 OR output_token > 0`;

/** Day × source × model: conversations, tokens, estimated cost and the conversations' own recorded cost. */
export const TOKEN_USAGE_DAILY = `CREATE OR REPLACE VIEW token_usage_daily AS
SELECT CAST(substr(create_date, 1, 10) AS date) AS dia,
       source,
       model,
       COUNT(*) AS conversaciones,
       SUM(input_token) AS input_token,
       SUM(output_token) AS output_token,
       SUM(input_token_context) AS input_token_context,
       SUM(total_price) AS costo_estimado_usd,
       SUM(recorded_total_price) AS costo_registrado_usd
FROM tokens_table
GROUP BY CAST(substr(create_date, 1, 10) AS date), source, model`;
