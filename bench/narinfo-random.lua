-- wrk script: GET a random narinfo from the list in NARINFO_LIST (one path per line),
-- so that neither server answers from one hot entry.
local paths = {}
init = function(args)
  local f = assert(io.open(os.getenv("NARINFO_LIST"), "r"))
  for line in f:lines() do paths[#paths + 1] = line end
  f:close()
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
