'use strict';
/**
 * A local osls plugin: refuses to package or deploy with params that would build a stack that
 * is wrong in a way CloudFormation does not catch. The values come from serverless.yml's
 * custom.deployChecks (already resolved, --param included).
 *
 * - genesysOrgId set (the Genesys Cloud invoke role is created) for a Genesys region whose
 *   AWS account is not published (deploy/actions.json genesysRegionsWithoutKnownAccount):
 *   without genesysAccountId the role would trust Genesys's commercial account.
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
    const unknownAccountRegions = checks.genesysRegionsWithoutKnownAccount || [];
    if (checks.genesysOrgId && !checks.genesysAccountId && unknownAccountRegions.includes(checks.genesysRegion)) {
      throw new this.serverless.classes.Error(
        `genesysRegion ${checks.genesysRegion}: Genesys Cloud's AWS account for the AWS Lambda data actions integration is not published for this region, ` +
          'so the invoke role cannot trust it by default. Ask Genesys for the account id and pass --param genesysAccountId=<12 digits>.',
      );
    }
  }
}

module.exports = CheckParams;
