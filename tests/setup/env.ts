// The AWS SDK warns on Node 20; the bridge's own tests run there (DEVELOPERS.md).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// Each invocation writes one EMF line to stdout (lib/runtime/metrics.ts); tests/unit/metrics.test.ts turns them on where they are the behaviour.
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
