-- wrk script of pairs.sh: page views of 256 visitors (X-Forwarded-For through
-- a trusted proxy) on 500 paths, as the collector benchmarks send them.
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/plain"
wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
local i = 0
request = function()
  i = i + 1
  local body = string.format('{"kind":"pageview","site":"example.fi","url":"https://example.fi/p/%d","referrer":"https://duckduckgo.com/","pageview":"w%d"}', i % 500, i)
  wrk.headers["X-Forwarded-For"] = string.format("81.%d.1.1", i % 256)
  return wrk.format(nil, "/api/event", nil, body)
end
