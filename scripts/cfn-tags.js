// Cost-allocation tags as CloudFormation `Tags` lists, per ETL component, for resources that
// take a list (S3, SQS, IAM, Step Functions); Lambda and the stack take the map in serverless.yml.
const COMPONENTS = {
  normalize: { Project: 'CAT-PROD-NORMALIZE', ETLComponent: 'ETL-1', DataSource: 'CATIA_TABLE_NAME' },
  transform: { Project: 'CAT-PROD-NORMALIZE', ETLComponent: 'ETL-2', DataSource: 'REPORTS_BUCKET' },
  archival: { Project: 'CAT-TOKENS-ANALYSIS', ETLComponent: 'TOKENS-ARCHIVAL', DataSource: 'BEDROCK_OLD_TABLE_NAME' },
  consolidated: {
    Project: 'CAT-TOKENS-ANALYSIS',
    ETLComponent: 'TOKENS-CONSOLIDATED',
    DataSource: 'BEDROCK_NEW_TABLE_NAME',
  },
};

function tags(name) {
  const c = COMPONENTS[name];
  const environment = process.env.STAGE_ENV_LABEL;
  if (!environment)
    throw new Error('STAGE_ENV_LABEL is not set (load the stage file: npm run sls -- … --stage <stage>)');
  const source = process.env[c.DataSource];
  if (!source) throw new Error(`${c.DataSource} is not set`);
  return [
    { Key: 'Project', Value: c.Project },
    { Key: 'Environment', Value: environment },
    { Key: 'ETLComponent', Value: c.ETLComponent },
    { Key: 'DataSource', Value: source },
    { Key: 'ProjectId', Value: 'P0260' },
    { Key: 'Client', Value: 'CAT' },
  ];
}

module.exports = Object.fromEntries(Object.keys(COMPONENTS).map((k) => [k, () => tags(k)]));
