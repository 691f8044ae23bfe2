package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"gorm.io/gorm/clause"

	"github.com/messenger/messenger/internal/database"
)

// setting is a row of the settings table.
type setting struct {
	Key   string `gorm:"primaryKey"`
	Value string
}

func (setting) TableName() string { return "settings" }

// tokenSecret returns the configured secret or, when there is none, the one
// kept in the database, generating it the first time so that tokens stay
// valid across restarts (and across instances sharing the database).
func tokenSecret(ctx context.Context, db *database.DB, configured string) ([]byte, error) {
	if configured != "" {
		return []byte(configured), nil
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	candidate := setting{Key: "token_secret", Value: hex.EncodeToString(b)}
	err := db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&candidate).Error
	if err != nil {
		return nil, fmt.Errorf("secret: store: %w", err)
	}
	var stored setting
	if err := db.WithContext(ctx).Where("key = ?", "token_secret").First(&stored).Error; err != nil {
		return nil, fmt.Errorf("secret: load: %w", err)
	}
	return []byte(stored.Value), nil
}
