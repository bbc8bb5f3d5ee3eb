import * as z from 'zod';
import mapping from './mapping.json';
import { defineAction, path } from '../../runtime/action';
import { jsonataTransform } from '../../runtime/jsonataTransform';

/**
 * queueEstimatedWait: the estimated wait of a Genesys Cloud queue, for a flow that tells
 * the caller how long they will wait or offers a callback. Genesys Cloud API
 * `GET /api/v2/routing/queues/{queueId}/estimatedwaittime?conversationId=…` or
 * `GET /api/v2/routing/queues/{queueId}/mediatypes/{mediaType}/estimatedwaittime?labelId=…`,
 * permission `routing:queue:view`; response model EstimatedWaitTimePredictions. The plain path
 * takes conversationId, the media-type path labelId, and mediaType is one of
 * all, call, callback, chat, email, message, videoComm (MyPureCloud/platform-client-sdk-javascript,
 * build/docs/RoutingApi.md: getRoutingQueueEstimatedwaittime, getRoutingQueueMediatypeEstimatedwaittime).
 * The mapping is a JSONata expression in mapping.json, beside this file.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MEDIA_TYPES = ['all', 'call', 'callback', 'chat', 'email', 'message', 'videoComm'] as const;

const Input = z.object(
  {
    queueId: z
      .string({ error: (issue) => (issue.input === undefined ? 'queueId is required' : 'queueId must be a string') })
      .trim()
      .regex(UUID, 'queueId must be a Genesys Cloud queue id (a UUID)'),
    mediaType: z
      .enum(MEDIA_TYPES, { error: `mediaType must be one of ${MEDIA_TYPES.join(', ')}` })
      .optional(),
    conversationId: z.string().trim().regex(UUID, 'conversationId must be a UUID').optional(),
    /** The interaction label used with the media type for the estimate. */
    labelId: z.string().trim().regex(UUID, 'labelId must be a UUID').optional(),
  },
  { error: 'input must be a JSON object like {"queueId": "…"}' },
).superRefine((input, ctx) => {
  // The queue path does not take labelId. (A conversationId given with mediaType is not sent: flows often pass both.)
  if (input.labelId && !input.mediaType) ctx.addIssue({ code: 'custom', message: 'labelId applies only with mediaType' });
});

/**
 * The estimated-wait formulas the platform SDK documents for PredictionResults.formula
 * (MyPureCloud/platform-client-sdk-python @ f80f2db2c783b8d9500b54a9e7e8077e1fa87367,
 * build/PureCloudPlatformClientV2/models/prediction_results.py: allowed_values). Older SDK
 * builds list only the first four, so the list grows: the mapping passes any non-empty
 * formula on as Genesys names it, and leaves an empty one out.
 */
export const DOCUMENTED_FORMULAS = ['BEST', 'SIMPLE', 'ABANDON', 'PATIENCE_ABANDON', 'AI-ADJUSTED-AHT', 'POSITION-IN-QUEUE'] as const;

const Prediction = z.object({
  intent: z.string().nullish(),
  // Any string, not an enum of DOCUMENTED_FORMULAS: a new formula must not make the action fail.
  formula: z.string().nullish(),
  estimatedWaitTimeSeconds: z.number().int().nonnegative().nullish(),
});
const Predictions = z.object({ results: z.array(Prediction).nullish() });

const Output = z.object({
  available: z.boolean(),
  estimatedWaitSeconds: z.number().int().nonnegative().optional(),
  mediaType: z.string().optional(),
  formula: z.string().optional(),
});

type Input = z.infer<typeof Input>;

export const queueEstimatedWait = defineAction({
  name: 'queueEstimatedWait',
  description: 'Estimated wait of a Genesys Cloud queue, in seconds, optionally for one media type.',
  platform: 'genesys-cloud',
  input: Input,
  request: ({ queueId, mediaType, conversationId, labelId }: Input) =>
    mediaType
      ? { method: 'GET', path: path`/api/v2/routing/queues/${queueId}/mediatypes/${mediaType}/estimatedwaittime`, query: { labelId } }
      : { method: 'GET', path: path`/api/v2/routing/queues/${queueId}/estimatedwaittime`, query: { conversationId } },
  response: Predictions,
  transform: jsonataTransform<z.infer<typeof Predictions>, Input, z.infer<typeof Output>>('queueEstimatedWait', mapping),
  output: Output,
  timeoutMs: 3_000,
});
