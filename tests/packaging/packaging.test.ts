/**
 * The packaged CloudFormation of every service and both stages, generated offline with
 * `sls package` (osls). The test stage is packaged through Serverless Compose (with the compose
 * state seeded with normalize's and transform's outputs, since nothing is deployed here), so
 * serverless-compose.yml and its params are exercised too; prod is packaged service by service.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../../scripts/lib/stage-env';
import {
  packageService,
  type Resource,
  resourcesOfType,
  runSls,
  SERVICES,
  type Service,
  type Stage,
  slsEnv,
  type Template,
} from './package-helper';

const COMPOSE_BUCKET = 'cat-test-reports-from-compose';
const COMPOSE_WORKGROUP = 'wg-cat-test-from-compose';
const templates = {} as Record<`${Service}-${Stage}`, Template>;

async function packageTestStageWithCompose(): Promise<void> {
  const stateFile = join(REPO_ROOT, '.serverless', 'state.test.json');
  const previous = existsSync(stateFile) ? readFileSync(stateFile) : undefined;
  writeFileSync(
    stateFile,
    JSON.stringify({
      service: { id: 'packaging-test' },
      components: {
        normalize: { outputs: { ReportsBucketName: COMPOSE_BUCKET } },
        transform: { outputs: { AthenaWorkgroupName: COMPOSE_WORKGROUP } },
      },
    }),
  );
  try {
    await runSls(['package', '--stage', 'test'], REPO_ROOT, slsEnv('test'));
  } finally {
    if (previous) writeFileSync(stateFile, previous);
    else rmSync(stateFile, { force: true });
  }
  for (const s of SERVICES) {
    const file = join(REPO_ROOT, 'services', s, '.serverless', 'cloudformation-template-update-stack.json');
    templates[`${s}-test`] = JSON.parse(readFileSync(file, 'utf-8')) as Template;
  }
}

beforeAll(async () => {
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(REPO_ROOT, '.serverless'), { recursive: true });
  // Prod service by service and the test stage through Compose, all at once: each stage builds in
  // its own esbuild folder (serverless.yml `outputWorkFolder`).
  const [prod] = await Promise.all([
    Promise.all(SERVICES.map((s) => packageService(s, 'prod'))),
    packageTestStageWithCompose(),
  ]);
  prod.forEach((p, i) => {
    templates[`${SERVICES[i] as Service}-prod`] = p.template;
  });
}, 360_000);

const props = (r: Resource | undefined) => (r?.Properties ?? {}) as Record<string, unknown>;
const fn = (t: Template, logicalId: string) => props(t.Resources[logicalId]);
const scheduleRules = (t: Template, fnLogical: string) =>
  resourcesOfType(t, 'AWS::Events::Rule').filter(([, r]) => JSON.stringify(props(r).Targets ?? '').includes(fnLogical));

describe('schedules', () => {
  it.each([
    ['normalize', 'NormalizeLambdaFunction'],
    ['tokens', 'ConsolidatedLambdaFunction'],
  ] as const)('%s runs nightly at 23:30 Bogotá in prod and only by hand in test', (service, logical) => {
    for (const [stage, state] of [
      ['prod', 'ENABLED'],
      ['test', 'DISABLED'],
    ] as const) {
      const rules = scheduleRules(templates[`${service}-${stage}`], logical);
      expect(rules).toHaveLength(1);
      expect(props(rules[0]?.[1])).toMatchObject({ ScheduleExpression: 'cron(30 4 * * ? *)', State: state });
    }
  });

  it('gives archival no schedule: it runs once, by hand', () => {
    for (const stage of ['test', 'prod'] as const)
      expect(scheduleRules(templates[`tokens-${stage}`], 'ArchivalLambdaFunction')).toEqual([]);
  });
});

/** EventBridge `wildcard` semantics: `*` matches any run of characters, `/` included. */
const wildcardMatch = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(value);

describe('transform trigger and state machine', () => {
  const t = () => templates['transform-test'];

  it('starts on new normalize CSVs only, with bucket and key as input', () => {
    const [[, rule]] = resourcesOfType(t(), 'AWS::Events::Rule').filter(([, r]) =>
      JSON.stringify(props(r)).includes('aws.s3'),
    ) as [[string, Resource]];
    const p = props(rule) as {
      EventPattern: Record<string, unknown>;
      Targets: { InputTransformer: { InputPathsMap: object } }[];
    };
    expect(p.EventPattern).toMatchObject({ source: ['aws.s3'], 'detail-type': ['Object Created'] });
    const detail = p.EventPattern.detail as { bucket: { name: string[] }; object: { key: { wildcard: string }[] } };
    expect(detail.bucket.name).toEqual([COMPOSE_BUCKET]);
    const pattern = detail.object.key[0]?.wildcard as string;
    expect(wildcardMatch(pattern, 'reports/etl-process1/data_20251231.csv')).toBe(true);
    for (const other of [
      'reports/etl-process1/rejects/data_20251231.jsonl',
      'reports/etl-process1/manifest.json',
      'reports/etl-process2/data.parquet',
      'reports/etl-process1/rejects/data_20251231.csv',
    ]) {
      expect({ other, matched: wildcardMatch(pattern, other) }).toEqual({ other, matched: false });
    }
    expect(p.Targets[0]?.InputTransformer.InputPathsMap).toEqual({
      bucket: '$.detail.bucket.name',
      key: '$.detail.object.key',
    });
  });

  const definition = (tpl: Template) => {
    const sm = fn(tpl, 'TransformPipelineStateMachine') as { DefinitionString: { 'Fn::Sub': [string, object] } };
    return JSON.parse(sm.DefinitionString['Fn::Sub'][0]) as {
      States: Record<
        string,
        {
          Type: string;
          Retry?: { ErrorEquals: string[] }[];
          Catch?: { ErrorEquals: string[]; Next: string }[];
          Next?: string;
          Default?: string;
          Parameters?: { Name?: string };
          Choices?: { Next: string; StringEquals: string }[];
          Cause?: string;
        }
      >;
      TimeoutSeconds: number;
    };
  };

  it('is a valid state machine with retries, catches and a bounded crawler wait loop', async () => {
    const def = definition(t());
    const { default: aslValidator } = await import('asl-validator');
    const validation = aslValidator(def as never);
    expect(validation.errors).toEqual([]);
    expect(def.TimeoutSeconds).toBeGreaterThan(0);
    const s = def.States;
    expect(s.Transform?.Retry?.[0]?.ErrorEquals).toEqual(
      expect.arrayContaining(['Lambda.ServiceException', 'RetryableError']),
    );
    expect(s.Transform?.Catch?.[0]).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'TransformFailed' });
    expect(s.StartCrawler?.Catch?.[0]).toMatchObject({
      ErrorEquals: ['Glue.CrawlerRunningException'],
      Next: 'WaitForCrawler',
    });
    expect(s.WaitForCrawler).toMatchObject({ Type: 'Wait', Next: 'GetCrawler' });
    expect(s.IsCrawlerReady).toMatchObject({ Type: 'Choice', Default: 'WaitForCrawler' });
    expect(s.IsCrawlerReady?.Choices?.[0]).toMatchObject({ StringEquals: 'READY', Next: 'DidCrawlSucceed' });
    expect(s.DidCrawlSucceed?.Choices?.[0]).toMatchObject({ StringEquals: 'SUCCEEDED', Next: 'Published' });
    for (const f of ['TransformFailed', 'CrawlerFailed', 'CrawlFailed'])
      expect(s[f]).toMatchObject({ Type: 'Fail', Cause: expect.stringMatching(/.{20}/) });
    const crawler = fn(t(), 'AnalyticsCrawler') as {
      Name: string;
      Targets: { S3Targets: { Path: string; Exclusions: string[] }[] };
    };
    expect(s.StartCrawler?.Parameters?.Name).toBe(crawler.Name);
    expect(crawler.Targets.S3Targets).toEqual([
      { Path: `s3://${COMPOSE_BUCKET}/reports/etl-process2/`, Exclusions: ['rejects/**'] },
    ]);
  });

  it('sends failed, timed-out and aborted executions to the failure queue', () => {
    const rule = fn(t(), 'StateMachineFailedRule') as {
      EventPattern: { detail: { status: string[] } };
      Targets: { Arn: unknown }[];
    };
    expect(rule.EventPattern.detail.status).toEqual(['FAILED', 'TIMED_OUT', 'ABORTED']);
    expect(rule.Targets[0]?.Arn).toEqual({ 'Fn::GetAtt': ['TransformFailureQueue', 'Arn'] });
  });

  it('declares the Glue database and an Athena workgroup that enforces encrypted results', () => {
    expect(fn(t(), 'GlueDatabase')).toMatchObject({ DatabaseInput: { Name: 'cat_test_analytics_db' } });
    expect(fn(templates['transform-prod'], 'GlueDatabase')).toMatchObject({
      DatabaseInput: { Name: 'cat_prod_analytics_db' },
    });
    expect(fn(t(), 'AthenaWorkgroup')).toMatchObject({
      Name: 'wg-cat-test-analytics',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        ResultConfiguration: {
          OutputLocation: `s3://${COMPOSE_BUCKET}/athena/results/`,
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        },
      },
    });
  });
});

type Statement = { Effect: string; Action: string[] | string; Resource: unknown; Condition?: unknown };
const statementsOf = (t: Template, role: string): Statement[] =>
  ((fn(t, role).Policies as { PolicyDocument: { Statement: Statement[] } }[]) ?? []).flatMap(
    (p) => p.PolicyDocument.Statement,
  );
const asList = <T>(v: T | T[]) => (Array.isArray(v) ? v : [v]);

describe('least-privilege IAM, one role per function', () => {
  const EXPECTED: Record<string, [Service, string, string[]]> = {
    normalize: [
      'normalize',
      'NormalizeRole',
      [
        'dynamodb:Scan',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:AbortMultipartUpload',
        's3:PutObject',
        'sqs:SendMessage',
      ],
    ],
    transform: [
      'transform',
      'TransformRole',
      [
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:AbortMultipartUpload',
        's3:GetObject',
        's3:ListBucket',
        's3:PutObject',
      ],
    ],
    archival: [
      'tokens',
      'ArchivalRole',
      [
        'dynamodb:Scan',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:AbortMultipartUpload',
        's3:GetObject',
        's3:PutObject',
      ],
    ],
    consolidated: [
      'tokens',
      'ConsolidatedRole',
      [
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:StartQueryExecution',
        'dynamodb:Scan',
        'glue:CreateTable',
        'glue:DeleteTable',
        'glue:GetDatabase',
        'glue:GetTable',
        'glue:UpdateTable',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:AbortMultipartUpload',
        's3:GetBucketLocation',
        's3:GetObject',
        's3:ListBucket',
        's3:PutObject',
        'sqs:SendMessage',
      ],
    ],
  };

  it.each(Object.entries(EXPECTED))('%s gets exactly the actions it uses', (name, [service, role, actions]) => {
    const t = templates[`${service}-prod`];
    const fnLogical = `${name[0]?.toUpperCase()}${name.slice(1)}LambdaFunction`;
    expect(fn(t, fnLogical).Role).toEqual({ 'Fn::GetAtt': [role, 'Arn'] });
    const got = [...new Set(statementsOf(t, role).flatMap((s) => asList(s.Action)))].sort();
    expect(got).toEqual(actions);
  });

  it('scopes DynamoDB to the function’s own table and S3 writes to its own prefixes', () => {
    const t = templates['tokens-prod'];
    const scan = statementsOf(t, 'ArchivalRole').find((s) => asList(s.Action).includes('dynamodb:Scan'));
    expect(JSON.stringify(scan?.Resource)).toContain('table/BedrockChatStack-DatabaseConversationTable-prod');
    const puts = statementsOf(templates['normalize-prod'], 'NormalizeRole').find((s) =>
      asList(s.Action).includes('s3:PutObject'),
    );
    expect(JSON.stringify(puts?.Resource)).toContain('/reports/etl-process1/*');
  });

  it('uses Resource "*" nowhere but for log delivery, which has no resource-level permissions', () => {
    for (const [key, t] of Object.entries(templates)) {
      for (const [role] of resourcesOfType(t, 'AWS::IAM::Role')) {
        for (const s of statementsOf(t, role)) {
          if (!asList(s.Resource).includes('*')) continue;
          expect({
            key,
            role,
            actions: asList(s.Action).every(
              (a) => a.startsWith('logs:') && /Deliver|ResourcePolic|DescribeLogGroups/.test(a),
            ),
          }).toEqual({
            key,
            role,
            actions: true,
          });
        }
      }
    }
  });
});

describe('tags, storage security and runtime', () => {
  const TAGGED = [
    'AWS::Lambda::Function',
    'AWS::SQS::Queue',
    'AWS::IAM::Role',
    'AWS::S3::Bucket',
    'AWS::Athena::WorkGroup',
    'AWS::Logs::LogGroup',
  ];
  const tagMap = (tags: unknown): Record<string, string> =>
    Array.isArray(tags)
      ? Object.fromEntries((tags as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]))
      : ((tags as Record<string, string>) ?? {});

  it.each(['test', 'prod'] as const)('tags every taggable resource for cost allocation (%s)', (stage) => {
    for (const s of SERVICES) {
      const t = templates[`${s}-${stage}`];
      for (const [id, r] of Object.entries(t.Resources)) {
        if (
          // Resources the framework and its plugins generate carry the stack tags (checked below).
          id.startsWith('ServerlessDeployment') ||
          id.endsWith('EventToStepFunctionsRole') ||
          (!TAGGED.includes(r.Type) && r.Type !== 'AWS::Glue::Crawler' && r.Type !== 'AWS::StepFunctions::StateMachine')
        )
          continue;
        if (r.Type === 'AWS::Logs::LogGroup' && !props(r).Tags) continue; // framework log groups carry the stack tags
        const tags = tagMap(props(r).Tags);
        expect({ id, tags }).toMatchObject({
          id,
          tags: {
            Environment: stage.toUpperCase(),
            ProjectId: 'P0260',
            Client: 'CAT',
            Project: expect.any(String),
            ETLComponent: expect.any(String),
            DataSource: expect.any(String),
          },
        });
      }
    }
  });

  it.each(SERVICES)(
    'sets the cost-allocation tags on the %s stack itself, so generated resources inherit them',
    (s) => {
      const state = JSON.parse(
        readFileSync(join(REPO_ROOT, 'services', s, '.serverless', 'serverless-state.json'), 'utf-8'),
      );
      expect(state.service.provider.stackTags).toMatchObject({
        Environment: 'TEST',
        ProjectId: 'P0260',
        Client: 'CAT',
        Project: expect.any(String),
      });
    },
  );

  it('keeps the reports bucket private, encrypted, TLS-only, versioned and publishing events', () => {
    for (const stage of ['test', 'prod'] as const) {
      const t = templates[`normalize-${stage}`];
      const b = fn(t, 'ReportsBucket');
      expect(b.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(b.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      expect(b.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(JSON.stringify(b.LifecycleConfiguration)).toContain('"NoncurrentDays":30');
      expect(b.NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
      const policy = fn(t, 'ReportsBucketPolicy') as { PolicyDocument: { Statement: Statement[] } };
      expect(policy.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('encrypts the failure queues and keeps messages 14 days', () => {
    for (const [s, q] of [
      ['normalize', 'NormalizeFailureQueue'],
      ['transform', 'TransformFailureQueue'],
      ['tokens', 'TokensFailureQueue'],
    ] as const) {
      expect(fn(templates[`${s}-prod`], q)).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1209600,
      });
    }
  });

  it.each([
    ['normalize', 'NormalizeLambdaFunction', 1024, 2048, 900],
    ['transform', 'TransformLambdaFunction', 3584, 3584, 900],
    ['tokens', 'ArchivalLambdaFunction', 1024, 2048, 900],
    ['tokens', 'ConsolidatedLambdaFunction', 512, 512, 300],
  ] as const)(
    '%s %s runs nodejs22.x on arm64 with its memory and timeout per stage',
    (service, logical, testMb, prodMb, timeout) => {
      expect(fn(templates[`${service}-test`], logical)).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        MemorySize: testMb,
        Timeout: timeout,
      });
      expect(fn(templates[`${service}-prod`], logical)).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        MemorySize: prodMb,
        Timeout: timeout,
      });
    },
  );

  it.each([
    ['normalize', 'NormalizeLambdaEvConf', 'NormalizeFailureQueue'],
    ['tokens', 'ConsolidatedLambdaEvConf', 'TokensFailureQueue'],
  ] as const)(
    'retries scheduled %s runs twice within 2 hours, then sends them to its queue',
    (service, conf, queue) => {
      expect(fn(templates[`${service}-prod`], conf)).toMatchObject({
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 7200,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue, 'Arn'] } } },
      });
    },
  );

  it('passes compose outputs to the dependent services', () => {
    expect(JSON.stringify(fn(templates['transform-test'], 'TransformLambdaFunction').Environment)).toContain(
      COMPOSE_BUCKET,
    );
    const env = (
      fn(templates['tokens-test'], 'ConsolidatedLambdaFunction').Environment as { Variables: Record<string, string> }
    ).Variables;
    expect(env).toMatchObject({ REPORTS_BUCKET: COMPOSE_BUCKET, ATHENA_WORKGROUP: COMPOSE_WORKGROUP });
    const compose = parseYaml(readFileSync(join(REPO_ROOT, 'serverless-compose.yml'), 'utf-8')) as {
      services: Record<string, { path: string }>;
    };
    expect(Object.keys(compose.services)).toEqual(['normalize', 'transform', 'tokens']);
  });
});

describe('stage parameters', () => {
  it('fails packaging naming a missing setting', async () => {
    const err = await packageService('normalize', 'test', slsEnv('test', ['CATIA_TABLE_NAME'])).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('CATIA_TABLE_NAME');
  }, 60_000);
});
