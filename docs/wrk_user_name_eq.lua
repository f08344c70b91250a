-- GET /Users?filter=userName eq "userNNNNNN@example.com" with a random NNNNNN < 100000
math.randomseed(os.time())
request = function()
  local path = string.format('/scim/v2/Users?filter=userName%%20eq%%20%%22USER%06d%%40example.com%%22&startIndex=1&count=100', math.random(0, 99999))
  return wrk.format("GET", path, {["Authorization"] = "Bearer wrk-token"})
end
