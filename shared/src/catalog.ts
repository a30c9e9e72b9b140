/**
 * The catalog that makes a dataset queryable: a Glue crawler in AWS (started, then waited for);
 * locally a DuckDB view (see `duckdb.ts`). In AWS the transform state machine drives the crawler
 * itself; this adapter serves manual runs and tools.
 */
import { GetCrawlerCommand, type GlueClient, StartCrawlerCommand } from '@aws-sdk/client-glue';
import { CatiaError } from './errors';

export interface Catalog {
  /** Make the dataset at `location` (Parquet) queryable as `table`; resolves when done. */
  publish(table: string, location: string): Promise<void>;
}

export class GlueCrawlerCatalog implements Catalog {
  constructor(
    private readonly client: GlueClient,
    private readonly crawlerName: string,
    private readonly pollMs = 15_000,
    private readonly timeoutMs = 14 * 60_000,
  ) {}

  async publish(): Promise<void> {
    try {
      await this.client.send(new StartCrawlerCommand({ Name: this.crawlerName }));
    } catch (err) {
      // A crawler already running is waited for, not treated as a failure.
      if ((err as { name?: string }).name !== 'CrawlerRunningException') throw err;
    }
    const deadline = Date.now() + this.timeoutMs;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, this.pollMs));
      const { Crawler } = await this.client.send(new GetCrawlerCommand({ Name: this.crawlerName }));
      if (Crawler?.State !== 'READY') continue;
      const status = Crawler.LastCrawl?.Status;
      if (status === 'SUCCEEDED') return;
      throw new CatiaError(`crawler ${this.crawlerName} ended ${status}: ${Crawler.LastCrawl?.ErrorMessage ?? ''}`);
    }
    throw new CatiaError(`crawler ${this.crawlerName} did not finish in time`);
  }
}
