#include "channels/session.hpp"
