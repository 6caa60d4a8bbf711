/**
 * Keeps a PDS known to a set of relays: {@link dev.atsync.relay.crawl.CrawlKeeper} requests crawls
 * at start, after an outage, and while no relay is subscribed, rate-limited per relay, and polls
 * each relay for the host's status. It owns one scheduler thread; nothing here blocks the caller.
 *
 * <p><b>Exceptions.</b> The keeper's work happens on its thread and never throws to the caller: a
 * relay's failure ({@code XrpcException}) is recorded in that relay's
 * {@link dev.atsync.relay.crawl.CrawlKeeper.RelayState} and logged; the returned futures complete
 * normally. Builder arguments out of range are {@code IllegalArgumentException}.
 */
package dev.atsync.relay.crawl;
