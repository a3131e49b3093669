return snapshot(load_state(KEYS[1], KEYS[2], KEYS[3]))
