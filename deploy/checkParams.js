'use strict';
/**
 * A local osls plugin: refuses to package or deploy with params that would build a stack that
 * is wrong in a way CloudFormation does not catch. The values come from serverless.yml's
 * custom.deployChecks (already resolved, --param included).
 *
 * - genesysOrgId set (the Genesys Cloud invoke role is created) for a Genesys region whose
 *   AWS account is not published (deploy/actions.json genesysRegionsWithoutKnownAccount):
 *   without genesysAccountId the role would trust Genesys's commercial account.
 * - vpcSubnetIds without vpcSecurityGroupIds, or the reverse: the stack's HasVpc condition needs
 *   both, so the functions would silently stay out of the VPC (tools/codegen/vpc.ts).
 * - secretsManagerEndpoint other than true/false (anything else would mean false), or true
 *   without the VPC params or vpcId: the endpoint lives in those subnets, and its VPC cannot be
 *   derived from subnet ids without an AWS call.
 * - httpsProxy that is not an http:// URL: the functions would refuse it at their first
 *   invocation (lib/http/proxy/proxySettings.ts, CONFIG_INVALID). The value is never repeated: it
 *   may hold a password.
 */
class CheckParams {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'before:package:initialize': () => this.check(),
      'before:deploy:deploy': () => this.check(),
    };
  }

  check() {
    const checks = this.serverless.service.custom.deployChecks || {};
    this.checkGenesysAccount(checks);
    this.checkVpc(checks);
    this.checkProxy(checks);
  }

  checkProxy(checks) {
    if (!checks.httpsProxy) return;
    let url;
    try {
      url = new URL(checks.httpsProxy);
    } catch {
      url = undefined;
    }
    if (!url || url.protocol !== 'http:' || !url.hostname) {
      throw new this.serverless.classes.Error('httpsProxy must be an http:// proxy URL such as http://proxy.example.com:3128 (the value is not shown: it may hold a password).');
    }
  }

  checkGenesysAccount(checks) {
    const unknownAccountRegions = checks.genesysRegionsWithoutKnownAccount || [];
    if (checks.genesysOrgId && !checks.genesysAccountId && unknownAccountRegions.includes(checks.genesysRegion)) {
      throw new this.serverless.classes.Error(
        `genesysRegion ${checks.genesysRegion}: Genesys Cloud's AWS account for the AWS Lambda data actions integration is not published for this region, ` +
          'so the invoke role cannot trust it by default. Ask Genesys for the account id and pass --param genesysAccountId=<12 digits>.',
      );
    }
  }

  checkVpc(checks) {
    const fail = (message) => {
      throw new this.serverless.classes.Error(message);
    };
    const hasSubnets = Boolean(checks.vpcSubnetIds);
    const hasSecurityGroups = Boolean(checks.vpcSecurityGroupIds);
    if (hasSubnets !== hasSecurityGroups) {
      fail(
        `vpcSubnetIds and vpcSecurityGroupIds go together: only ${hasSubnets ? 'vpcSubnetIds' : 'vpcSecurityGroupIds'} is set. ` +
          'Pass both (comma-separated ids) to run the functions in a VPC, or neither to run them outside.',
      );
    }
    const endpoint = String(checks.secretsManagerEndpoint ?? 'false');
    if (endpoint !== 'true' && endpoint !== 'false') fail(`secretsManagerEndpoint must be true or false, not "${endpoint}".`);
    if (endpoint === 'true' && !(hasSubnets && hasSecurityGroups)) {
      fail('secretsManagerEndpoint=true creates the endpoint in the functions\' subnets: pass --param vpcSubnetIds=… and --param vpcSecurityGroupIds=… too.');
    }
    if (endpoint === 'true' && !checks.vpcId) {
      fail("secretsManagerEndpoint=true needs the subnets' VPC: pass --param vpcId=vpc-… (the VPC of vpcSubnetIds).");
    }
  }
}

module.exports = CheckParams;
