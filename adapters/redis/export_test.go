package redis

// NewNamed is New with the name the Cache's connections give themselves
// (CLIENT SETNAME), so a test can find them in CLIENT LIST.
func NewNamed(cfg Config, name string) (*Cache, error) { return newCache(cfg, name) }
