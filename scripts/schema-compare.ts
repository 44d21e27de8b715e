import { readFileSync } from 'node:fs';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import type { Change } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';
import { z } from 'zod';

/**
 * A breaking change the team accepted on purpose, matched by graphql-inspector's change type and
 * schema path (both printed by a failing `npm run schema:check`).
 */
const acknowledgementSchema = z.strictObject({
  type: z.string().regex(/^[A-Z_]+$/, 'a graphql-inspector change type like FIELD_REMOVED'),
  path: z.string().min(1),
  reason: z.string().min(10, 'say why clients can live with it'),
});
export type Acknowledgement = z.infer<typeof acknowledgementSchema>;

export function readAcknowledgements(path: string): Acknowledgement[] {
  const parsed = z.array(acknowledgementSchema).safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  return parsed.data;
}

export interface SchemaComparison {
  unacknowledged: Change[];
  acknowledged: Change[];
  unusedAcknowledgements: Acknowledgement[];
}

/** Breaking changes from the released SDL to the current one, split by whether they are acknowledged. */
export async function compareSchemas(releasedSdl: string, currentSdl: string, acknowledgements: Acknowledgement[]): Promise<SchemaComparison> {
  const changes = await diff(buildSchema(releasedSdl), buildSchema(currentSdl));
  const breaking = changes.filter((change) => change.criticality.level === CriticalityLevel.Breaking);
  const matches = (entry: Acknowledgement, change: Change): boolean => entry.type === change.type && entry.path === change.path;
  return {
    unacknowledged: breaking.filter((change) => !acknowledgements.some((entry) => matches(entry, change))),
    acknowledged: breaking.filter((change) => acknowledgements.some((entry) => matches(entry, change))),
    unusedAcknowledgements: acknowledgements.filter((entry) => !breaking.some((change) => matches(entry, change))),
  };
}
