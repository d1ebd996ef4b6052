/**
 * Which __consumer_offsets partition (and so which coordinator) owns a group: Kafka's
 * abs(groupId.hashCode()) % offsets.topic.num.partitions, with Java's String.hashCode over
 * UTF-16 code units, so a group lands on the same partition number as on Kafka.
 */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

export function partitionFor(groupId: string, partitionCount: number): number {
  const h = javaStringHashCode(groupId);
  // Kafka's Utils.abs maps Integer.MIN_VALUE to 0 rather than overflowing.
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitionCount;
}
