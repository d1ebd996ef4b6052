/** CRC-32C for the log, from the protocol package (one implementation for the whole broker). */
export { crc32c } from '@samsa/protocol';
