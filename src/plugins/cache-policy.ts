import { TypeInfo, visit, visitWithTypeInfo } from 'graphql';
import type { DocumentNode, GraphQLSchema } from 'graphql';

/** What a document's fields allow, before its result is known. */
export interface DocumentCachePolicy {
  /** Selects a root field not declared public (cart, favorites, viewer, introspection…). */
  personal: boolean;
  /** The smallest `maxAgeSeconds` of the fields it selects; 0 when none is listed. */
  maxAgeSeconds: number;
}

const policies = new WeakMap<DocumentNode, DocumentCachePolicy>();

/**
 * The least-fresh field decides: every selected `Type.field` listed in `maxAges` caps the
 * response's max-age, and a root field missing from `maxAges` makes the whole response personal,
 * so a new root field is never cached publicly by accident. Fields of every operation and fragment
 * of the document count (an unused one can only make the answer less cacheable). Cached per
 * parsed document: Yoga's parser cache hands out the same DocumentNode for the same text.
 */
export function documentCachePolicy(schema: GraphQLSchema, document: DocumentNode, maxAges: Readonly<Record<string, number>>): DocumentCachePolicy {
  const known = policies.get(document);
  if (known) return known;
  const queryType = schema.getQueryType();
  let personal = false;
  let maxAgeSeconds = Number.POSITIVE_INFINITY;
  const typeInfo = new TypeInfo(schema);
  visit(document, visitWithTypeInfo(typeInfo, {
    Field(node) {
      const parent = typeInfo.getParentType();
      if (!parent || node.name.value === '__typename') return;
      const maxAge = maxAges[`${parent.name}.${node.name.value}`];
      if (maxAge !== undefined) maxAgeSeconds = Math.min(maxAgeSeconds, maxAge);
      else if (parent === queryType) personal = true;
    },
  }));
  const policy = { personal, maxAgeSeconds: Number.isFinite(maxAgeSeconds) ? maxAgeSeconds : 0 };
  policies.set(document, policy);
  return policy;
}
