/**
 * Machinery the atsync client modules share but do not offer: the check of a configured
 * {@code User-Agent}. Exported only to {@code dev.atsync.relay} (a qualified export) and not part
 * of the API: it may change without notice. A bad value is an {@link IllegalArgumentException}.
 */
package dev.atsync.firehose.internal;
