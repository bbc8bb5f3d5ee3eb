import type { GenesysRegion } from '../../lib/auth/platforms/genesysCloud';

type Json = Record<string, unknown>;

/**
 * The AWS account Genesys Cloud's AWS Lambda Data Actions integration assumes the invoke role
 * from, per region: 765628985471 for the commercial regions and 325654371633 for the FedRAMP
 * region (GenesysCloudBlueprints/scheduling-bot-blueprint, main.tf: "This is the AWS Account ID
 * for Genesys Cloud … Change it to 325654371633 for FedRAMP region (US-East-2)"; the Genesys
 * help page "Configure IAM role with permissions for Amazon Lex app" gives 765628985471).
 * Not published for the EU sovereign cloud, `edee1.eusc-pure.cloud`: packaging an invoke role
 * for it requires `genesysAccountId` (deploy/checkParams.js), rather than trusting the
 * commercial account.
 */
const GENESYS_COMMERCIAL_ACCOUNT = '765628985471';
const GENESYS_FEDRAMP_ACCOUNT = '325654371633';
export const GENESYS_REGIONS_WITHOUT_KNOWN_ACCOUNT: readonly GenesysRegion[] = ['edee1.eusc-pure.cloud'];

/**
 * The role Genesys Cloud's AWS Lambda Data Actions integration assumes to invoke the
 * direct-invoke functions, and nothing else (never the HTTPS front). Trust: Genesys Cloud's
 * AWS account, with the organization id as external id, as Genesys's scheduling-bot blueprint
 * (main.tf) and its Lex IAM role help page set it up.
 */
export function genesysDataActionsRole(functionArns: readonly Json[]): Json {
  return {
    Type: 'AWS::IAM::Role',
    Condition: 'HasGenesysOrgId',
    Properties: {
      Description: 'Assumed by Genesys Cloud (AWS Lambda Data Actions integration) to invoke the data action functions',
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: {
              AWS: {
                'Fn::Sub': [
                  'arn:${AWS::Partition}:iam::${GenesysAccount}:root',
                  {
                    GenesysAccount: {
                      'Fn::If': ['HasGenesysAccountId', '${param:genesysAccountId}', { 'Fn::If': ['IsGenesysFedRamp', GENESYS_FEDRAMP_ACCOUNT, GENESYS_COMMERCIAL_ACCOUNT] }],
                    },
                  },
                ],
              },
            },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': '${param:genesysOrgId}' } },
          },
        ],
      },
      Policies: [
        {
          PolicyName: 'invoke-data-action-functions',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: functionArns }],
          },
        },
      ],
    },
  };
}
