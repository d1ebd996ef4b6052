/**
 * The topics a consumer group's members subscribe to, read from their "consumer" protocol
 * metadata, as Kafka's GroupMetadata.computeSubscribedTopics does once a generation forms.
 * Offset expiry and OffsetDelete use it to leave alone the offsets still being consumed.
 */
import { decodeSubscription } from '@samsa/protocol';
import type { GroupMember } from './group-member.js';

/**
 * null when the group cannot say: not the consumer protocol, no generation, or metadata
 * that does not parse. Callers must then treat every topic as subscribed (Kafka's
 * isSubscribedToTopic answers true "to be safe").
 */
export function computeSubscribedTopics(protocolType: string | null, protocolName: string | null, members: Iterable<GroupMember>): Set<string> | null {
  if (protocolType !== 'consumer' || protocolName === null) return null;
  const topics = new Set<string>();
  let any = false;
  for (const m of members) {
    any = true;
    try {
      for (const t of decodeSubscription(m.metadataFor(protocolName)).topics) topics.add(t);
    } catch {
      return null;
    }
  }
  return any ? topics : null;
}
