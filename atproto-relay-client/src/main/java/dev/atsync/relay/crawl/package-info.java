/**
 * Keeps a PDS known to a set of relays: {@link dev.atsync.relay.crawl.CrawlKeeper} requests crawls
 * at start, after an outage, and while no relay is subscribed, rate-limited per relay, and polls
 * each relay for the host's status. It owns one scheduler thread; nothing here blocks the caller.
 */
package dev.atsync.relay.crawl;
