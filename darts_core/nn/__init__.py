"""Neural-network building blocks of the search spaces (supernets and their operations)."""
