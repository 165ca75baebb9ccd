package broadcast

import "github.com/redis/go-redis/v9"

// The scripts keep each decision that several processes race for in one
// atomic step. Every key they touch is passed in KEYS and carries the {bc}
// hash tag, so they run on Redis Cluster. Lease deadlines use the Redis
// server's clock (TIME), so processes with skewed clocks agree on them;
// times that staff see (finished) come from the caller's clock.

// nowMs is the Redis server's time in milliseconds, as a Lua number.
const nowMs = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`

// completeIfDrained flips a running job to done when every recipient was
// claimed and no claim is left; only the caller that flips it gets 1.
const completeIfDrained = `
local function complete(job, claims, finished)
  local f = redis.call('HMGET', job, 'state', 'ready', 'cursor', 'total')
  if f[1] ~= 'running' or f[2] ~= '1' then return 0 end
  if tonumber(f[3] or '0') < tonumber(f[4] or '0') then return 0 end
  if redis.call('ZCARD', claims) > 0 then return 0 end
  redis.call('HSET', job, 'state', 'done', 'finished', finished)
  return 1
end
`

// claimScript claims a range of the recipient list for ARGV[1] (owner
// token) for ARGV[2] ms. An expired claim is taken over first, so the
// recipients of a dead process are not left until the end; otherwise the
// next ARGV[3] recipients are cut off the cursor. The claim is a member
// "<start>|<token>" of the claims zset scored by its lease deadline.
// Returns {start, takenOver}; start -1 when nothing is left to claim (the
// job may then complete: ARGV[4] is the finish time), -2 when the job is not
// running.
//
// KEYS: job, claims.
var claimScript = redis.NewScript(nowMs + completeIfDrained + `
local f = redis.call('HMGET', KEYS[1], 'state', 'ready', 'cursor', 'total')
if f[1] ~= 'running' or f[2] ~= '1' then return {-2, 0} end
local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 1)
if #old > 0 then
  local start = string.match(old[1], '^(%d+)|')
  redis.call('ZREM', KEYS[2], old[1])
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), start .. '|' .. ARGV[1])
  return {tonumber(start), 1}
end
local cursor, total = tonumber(f[3] or '0'), tonumber(f[4] or '0')
if cursor >= total then
  complete(KEYS[1], KEYS[2], ARGV[4])
  return {-1, 0}
end
redis.call('HSET', KEYS[1], 'cursor', cursor + tonumber(ARGV[3]))
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), string.format('%d|%s', cursor, ARGV[1]))
return {cursor, 0}
`)

// renewScript extends the claim ARGV[1] by ARGV[2] ms if it is still this
// owner's. Returns {owned, running}.
//
// KEYS: job, claims.
var renewScript = redis.NewScript(nowMs + `
local owned = 0
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
  owned = 1
end
local running = 0
if redis.call('HGET', KEYS[1], 'state') == 'running' then running = 1 end
return {owned, running}
`)

// markScript records the outcome ARGV[2] ("s" sent, "f" failed) for chat
// ARGV[1] and moves the job's counters with it, so that the counters always
// equal the marks: a first mark counts; "s" over "s" is a duplicate send,
// counted in dup; "s" over "f" moves one from failed to sent; "f" over
// anything changes nothing. It then says whether the claim ARGV[3] is still
// the caller's and the job still running, so a worker whose lease was taken
// over or whose job was cancelled stops. A job already reported (lists
// deleted) is left alone.
//
// KEYS: job, marks, claims.
var markScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[1], 'reported') == 1 then return {0, 0} end
local prev = redis.call('HGET', KEYS[2], ARGV[1])
if not prev then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  if ARGV[2] == 's' then
    redis.call('HINCRBY', KEYS[1], 'sent', 1)
  else
    redis.call('HINCRBY', KEYS[1], 'failed', 1)
  end
elseif ARGV[2] == 's' and prev == 's' then
  redis.call('HINCRBY', KEYS[1], 'dup', 1)
elseif ARGV[2] == 's' then
  redis.call('HSET', KEYS[2], ARGV[1], 's')
  redis.call('HINCRBY', KEYS[1], 'failed', -1)
  redis.call('HINCRBY', KEYS[1], 'sent', 1)
end
local owned, running = 0, 0
if redis.call('ZSCORE', KEYS[3], ARGV[3]) then owned = 1 end
if redis.call('HGET', KEYS[1], 'state') == 'running' then running = 1 end
return {owned, running}
`)

// releaseScript ends the claim ARGV[1] if it is still the caller's. A
// finished range (ARGV[3] = "1") is dropped, and the job completes if that
// was the last claim (ARGV[2]: finish time). An unfinished one (a process
// stopping, a send failing on Redis) is handed back: its lease is expired
// at once, so the next claim takes it over without waiting. Returns 1 when
// this call completed the job.
//
// KEYS: job, claims.
var releaseScript = redis.NewScript(completeIfDrained + `
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
if ARGV[3] ~= '1' then
  redis.call('ZADD', KEYS[2], 0, ARGV[1])
  return 0
end
redis.call('ZREM', KEYS[2], ARGV[1])
return complete(KEYS[1], KEYS[2], ARGV[2])
`)

// liveClaimsScript counts the claims whose lease has not expired.
//
// KEYS: claims.
var liveClaimsScript = redis.NewScript(nowMs + `
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
`)

// lockScript takes or extends a lock held by ARGV[1] for ARGV[2] ms:
// returns 1 if the caller now holds it.
//
// KEYS: lock.
var lockScript = redis.NewScript(`
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`)

// unlockScript deletes a lock if ARGV[1] holds it.
//
// KEYS: lock.
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// pushScript appends recipients to the list only while the caller still
// holds the snapshot lock (and extends it): a snapshot whose lock expired
// and was taken over cannot add to the new one's list. ARGV[3] = "1"
// empties the list first (a snapshot starts from scratch). Returns 1 if
// pushed.
//
// KEYS: snapshot lock, recipients.
var pushScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if ARGV[3] == '1' then redis.call('DEL', KEYS[2]) end
if #ARGV > 3 then redis.call('RPUSH', KEYS[2], unpack(ARGV, 4)) end
return 1
`)

// readyScript ends a snapshot held by ARGV[1]: the list is complete, its
// length is the total, and a scheduled job is now running (a cancelled one
// stays cancelled). A job with nobody to send to is done at once (ARGV[2]:
// finish time). Returns 1 if the caller still held the lock.
//
// KEYS: snapshot lock, recipients, job.
var readyScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local total = redis.call('LLEN', KEYS[2])
redis.call('HSET', KEYS[3], 'ready', '1', 'total', total)
local state = redis.call('HGET', KEYS[3], 'state')
if state == 'scheduled' or state == 'running' then
  if total == 0 then
    redis.call('HSET', KEYS[3], 'state', 'done', 'finished', ARGV[2])
  else
    redis.call('HSET', KEYS[3], 'state', 'running')
  end
end
redis.call('DEL', KEYS[1])
return 1
`)

// cancelScript cancels a scheduled or running job (ARGV[1]: finish time,
// ARGV[2]: job id) and makes it due at once in the active zset, so that a
// runner sends the final report now rather than at the scheduled time.
// Returns 0 when the job does not exist.
//
// KEYS: job, active.
var cancelScript = redis.NewScript(`
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 0 end
if state == 'scheduled' or state == 'running' then
  redis.call('HSET', KEYS[1], 'state', 'cancelled', 'finished', ARGV[1])
  redis.call('ZADD', KEYS[2], 'XX', 0, ARGV[2])
end
return 1
`)

// cleanupScript closes a finished job once its final report went out: the
// recipient list, marks and claims (which name chats) are deleted, the job
// hash kept for ARGV[2] ms for Status and Recent, and the job leaves the
// active zset. It does not insist on the report lock still being held (a
// slow post may outlast it): the first call closes the job, later ones
// return 0. The lock is deleted if ARGV[1] holds it.
//
// KEYS: report lock, job, recipients, marks, claims, snapshot lock, active.
// ARGV: holder, keep ms, job id.
var cleanupScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[2], 'reported') == 1 then return 0 end
redis.call('HSET', KEYS[2], 'reported', '1')
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('DEL', KEYS[3], KEYS[4], KEYS[5], KEYS[6])
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('ZREM', KEYS[7], ARGV[3])
return 1
`)

// rangeScript returns the entries ARGV[1]..ARGV[2] of the recipient list
// whose chat has no mark yet.
//
// KEYS: recipients, marks.
var rangeScript = redis.NewScript(`
local out = {}
for _, e in ipairs(redis.call('LRANGE', KEYS[1], ARGV[1], ARGV[2])) do
  local chat = string.match(e, '^([^:]+):')
  if chat and redis.call('HEXISTS', KEYS[2], chat) == 0 then out[#out + 1] = e end
end
return out
`)
