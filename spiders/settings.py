"""Scrapy settings for every pursuit spider: identify ourselves, obey robots.txt, go slowly."""

BOT_NAME = "pursuit"
SPIDER_MODULES = ["spiders.sources"]
NEWSPIDER_MODULE = "spiders.sources"

USER_AGENT = (
    "pursuit/0.1 (parliamentary and policy tracker; "
    "+https://github.com/pursuit-tracker/pursuit)"
)
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
RANDOMIZE_DOWNLOAD_DELAY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]
RETRY_AFTER_MAX_SECONDS = 300
RETRY_BACKOFF_BASE = 2.0  # seconds before the first retry; doubles each retry (no Retry-After given)
RETRY_BACKOFF_MAX = 60.0
PURSUIT_ERROR_BUDGET = 20  # download failures (after retries) before a source's spider is closed

DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024

DOWNLOADER_MIDDLEWARES = {
    "spiders.middlewares.RetryAfterMiddleware": 560,
    "spiders.middlewares.BackoffMiddleware": 555,
}
ITEM_PIPELINES = {"spiders.pipelines.StorePipeline": 300}

TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
HTTPCACHE_ENABLED = False
# If the cache is ever switched on, never store a response that is going to be retried.
HTTPCACHE_IGNORE_HTTP_CODES = RETRY_HTTP_CODES
