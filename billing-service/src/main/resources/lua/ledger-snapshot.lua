return snapshot(KEYS[1], KEYS[2], KEYS[3])
