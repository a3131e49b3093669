-- The snapshot script as it was before billing recorded batches (commit 8c5383b), run with ledger-functions-one.lua: a reference of LedgerBatchTest.
return snapshot(KEYS[1], KEYS[2], KEYS[3])
